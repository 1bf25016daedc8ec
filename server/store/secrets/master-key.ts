/**
 * Master keys: the AES-256 keys that seal secrets at rest. Each has an id
 * derived from the key itself, so a stored value names the key that sealed it
 * without revealing anything about that key.
 */
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

/** One AES-256 key and its id. */
export interface MasterKey {
  /** 16 hex digits of HMAC-SHA256(key, "switchyard master key id"). */
  readonly id: string;
  readonly key: Buffer;
}

/** The key that seals new values, and older keys still accepted for opening (and re-sealing) old ones. */
export interface MasterKeys {
  readonly current: MasterKey;
  readonly previous: readonly MasterKey[];
}

const keyBytes = 32;
// Node's base64 decoder also takes the URL-safe alphabet, and skips what it does not know; hence the check.
const base64Text = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** The key of `key`'s 32 bytes. */
export function masterKeyOf(key: Buffer): MasterKey {
  if (key.length !== keyBytes) throw new Error(`a master key has ${keyBytes} bytes, not ${key.length}`);
  const id = createHmac("sha256", key).update("switchyard master key id").digest("hex").slice(0, 16);
  return { id, key: Buffer.from(key) };
}

/**
 * Parses base64 (standard or URL-safe) of exactly 32 bytes; throws naming
 * `source` (an environment variable, a file) and never echoing the value.
 */
export function parseMasterKey(text: string, source: string): MasterKey {
  const trimmed = text.trim();
  const bytes = base64Text.test(trimmed) ? Buffer.from(trimmed, "base64") : undefined;
  if (bytes?.length !== keyBytes) {
    const found = bytes === undefined ? "not base64" : `${bytes.length} bytes`;
    throw new Error(
      `${source} must hold a master key: base64 of ${keyBytes} random bytes (e.g. \`openssl rand -base64 32\`), but it is ${found}`,
    );
  }
  return masterKeyOf(bytes);
}

/** Reads a key file (base64 of 32 bytes, surrounding whitespace ignored). */
export function readMasterKeyFile(path: string): MasterKey {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read master key file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseMasterKey(text, `master key file ${path}`);
}

/** A new random key, as the base64 text a key file or `SWITCHYARD_MASTER_KEY` holds. */
export function generateMasterKeyText(): string {
  return randomBytes(keyBytes).toString("base64");
}

/** A random key that lives only in memory (for `:memory:` databases). */
export function ephemeralMasterKeys(): MasterKeys {
  return { current: masterKeyOf(randomBytes(keyBytes)), previous: [] };
}
