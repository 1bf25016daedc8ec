/** Master keys for tests: random, explicit, never written to a file unless asked. */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { type MasterKey, type MasterKeys, masterKeyOf } from "../../server/store/secrets/master-key.js";

/** A new random key. */
export function randomMasterKey(): MasterKey {
  return masterKeyOf(randomBytes(32));
}

/** `current` (a new random key unless given) with no previous keys. */
export function masterKeysOf(current: MasterKey = randomMasterKey(), previous: readonly MasterKey[] = []): MasterKeys {
  return { current, previous };
}

/** Writes `key` as a key file (base64, mode 0600), as an operator would. */
export function writeMasterKeyFile(path: string, key: MasterKey): string {
  writeFileSync(path, `${key.key.toString("base64")}\n`, { mode: 0o600 });
  return path;
}
