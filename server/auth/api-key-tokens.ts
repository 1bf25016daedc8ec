/**
 * API key tokens: how keys look, how they are hashed, and the development key.
 * A key is 32 random bytes, so a plain SHA-256 is a safe one-way hash (no salt
 * or stretching needed), and looking a key up by its hash needs no
 * constant-time comparison.
 */
import { createHash, hash, randomBytes } from "node:crypto";

/** Every key Switchyard makes starts with this, so leaked keys are easy to spot and scan for. */
export const apiKeyPrefix = "sy_";

/**
 * The development key: with `SWITCHYARD_ENV=development` (what `npm start`
 * runs) it grants `admin` for owner `default`. It is documented, so it is no
 * secret; production never accepts it.
 */
export const devApiKey = "sy_dev_switchyard";

/** The id of {@link devApiKey}: the subject (and event creator) of requests made with it. */
export const devApiKeyId = "key_" + createHash("sha256").update(devApiKey, "utf8").digest("hex").slice(0, 16);

/** The owner and scopes of {@link devApiKey}. */
export const devApiKeyGrant = { resourceOwner: "default", scopes: ["admin"], name: "development key" } as const;

/** A new key: `sy_` and 32 random bytes in base64url (43 characters). */
export function generateApiKey(): string {
  return `${apiKeyPrefix}${randomBytes(32).toString("base64url")}`;
}

/** Lower-case hex SHA-256 of a key: what is stored and looked up. */
export function hashApiKey(key: string): string {
  return hash("sha256", key, "hex");
}

/** The public id of the key with `keyHash`. */
export function apiKeyIdOf(keyHash: string): string {
  return `key_${keyHash.slice(0, 16)}`;
}

/** Whether `text` has the shape of a key hash (64 lower-case hex digits). */
export function isApiKeyHash(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(text);
}
