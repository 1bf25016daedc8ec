/**
 * Sealing secrets at rest with AES-256-GCM. A sealed value is the text
 * `enc:v1:<key id>:<iv>:<ciphertext and tag>` (base64url), so a column keeps
 * its type and the key that sealed a value can be told from its text. The
 * value's place (owner, target, field) is bound as additional data: a sealed
 * value copied into another row or field no longer opens.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { MasterKey, MasterKeys } from "./master-key.js";

/** Where a secret lives, e.g. `["target", owner, id, "signingKey"]`; bound to its ciphertext. */
export type SecretPlace = readonly string[];

/** Seals and opens secrets with the master keys. */
export interface SecretBox {
  /** The id of the key new values are sealed with. */
  readonly keyId: string;
  seal(plaintext: string, place: SecretPlace): string;
  /** The plaintext of `stored`; a value without the `enc:` prefix is plaintext already (written before sealing existed). */
  open(stored: string, place: SecretPlace): string;
  /** Whether `stored` is sealed with the current key (plaintext and values of older keys are not). */
  isCurrent(stored: string): boolean;
}

const prefix = "enc:";
const version = "v1";
const ivBytes = 12;
const tagBytes = 16;
const openedCacheSize = 10_000;

/** Whether `stored` is a sealed value (of any version or key). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(prefix);
}

/** The id of the key that sealed `stored`, or `undefined` for plaintext. */
export function sealedKeyId(stored: string): string | undefined {
  return isSealed(stored) ? stored.split(":")[2] : undefined;
}

/**
 * A box sealing with `keys.current` and opening with it or any of
 * `keys.previous`. It remembers what it opened (up to 10,000 values, by place
 * and sealed text): reads such as GetTarget open the same values again and
 * again, and their plaintext is in memory anyway (the router holds every target).
 */
export function createSecretBox(keys: MasterKeys): SecretBox {
  const byId = new Map<string, MasterKey>([...keys.previous, keys.current].map((key) => [key.id, key]));
  const currentPrefix = `${prefix}${version}:${keys.current.id}:`;
  const opened = new Map<string, string>();
  return {
    keyId: keys.current.id,
    seal(plaintext, place) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv("aes-256-gcm", keys.current.key, iv).setAAD(additionalData(place));
      const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `${currentPrefix}${iv.toString("base64url")}:${sealed.toString("base64url")}`;
    },
    open(stored, place) {
      if (!isSealed(stored)) return stored;
      const cacheKey = `${JSON.stringify(place)}${stored}`;
      const remembered = opened.get(cacheKey);
      if (remembered !== undefined) return remembered;
      const plaintext = openSealed(stored, place);
      if (opened.size >= openedCacheSize) opened.clear();
      opened.set(cacheKey, plaintext);
      return plaintext;
    },
    isCurrent: (stored) => stored.startsWith(currentPrefix),
  };

  function openSealed(stored: string, place: SecretPlace): string {
    const [, storedVersion, keyId = "", iv = "", sealed = ""] = stored.split(":");
    if (storedVersion !== version) throw new Error(`a secret at ${describe(place)} is sealed in unknown format ${storedVersion}`);
    const key = byId.get(keyId);
    if (!key) {
      throw new Error(
        `a secret at ${describe(place)} is sealed with master key ${keyId}, which is not configured (current: ${keys.current.id})`,
      );
    }
    return openWith(key, Buffer.from(iv, "base64url"), Buffer.from(sealed, "base64url"), place);
  }
}

function openWith(key: MasterKey, iv: Buffer, sealed: Buffer, place: SecretPlace): string {
  try {
    if (iv.length !== ivBytes || sealed.length < tagBytes) throw new Error("truncated");
    const decipher = createDecipheriv("aes-256-gcm", key.key, iv).setAAD(additionalData(place));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - tagBytes)), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new Error(
      `cannot open the secret at ${describe(place)} with master key ${key.id}: the value is damaged or was moved from another place`,
      { cause: error },
    );
  }
}

// JSON keeps the parts apart whatever characters an owner or id contains.
function additionalData(place: SecretPlace): Buffer {
  return Buffer.from(JSON.stringify(["switchyard", ...place]), "utf8");
}

function describe(place: SecretPlace): string {
  return place.join("/");
}
