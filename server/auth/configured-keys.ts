/**
 * API keys from the configuration file (`apiKeys: [{key | keyHash, owner,
 * scopes, name, expiresAt?}]`). They live in memory only, never in the
 * database, so removing one from the file (and restarting) revokes it.
 */
import type { ApiKey } from "../domain/api-key.js";
import { scopes as knownScopes } from "../domain/scopes.js";
import { apiKeyIdOf, hashApiKey, isApiKeyHash } from "./api-key-tokens.js";

/** Shortest plain `key` a config file may hold. Keys made by `npm run keys` are 46 characters. */
export const minimumConfiguredKeyLength = 16;

/**
 * Checks the `apiKeys` entries of a config file and turns them into keys
 * (hashing a plain `key` at once); throws naming the first bad entry.
 */
export function parseConfiguredApiKeys(entries: unknown, loadedAt: Date = new Date()): ApiKey[] {
  if (entries === undefined) return [];
  if (!Array.isArray(entries)) throw new Error("apiKeys must be a list of {key | keyHash, owner, scopes, name}");
  return entries.map((entry: unknown, index) => {
    try {
      return parseEntry(entry, loadedAt);
    } catch (error) {
      throw new Error(`apiKeys[${index}]: ${(error as Error).message}`, { cause: error });
    }
  });
}

function parseEntry(entry: unknown, loadedAt: Date): ApiKey {
  if (typeof entry !== "object" || entry === null) throw new Error("must be an object");
  const { key, keyHash, owner, scopes, name, expiresAt } = entry as Record<string, unknown>;
  if ((key === undefined) === (keyHash === undefined)) throw new Error("give exactly one of key and keyHash");
  if (key !== undefined && (typeof key !== "string" || key.length < minimumConfiguredKeyLength)) {
    throw new Error(`key must be a string of at least ${minimumConfiguredKeyLength} characters`);
  }
  if (keyHash !== undefined && (typeof keyHash !== "string" || !isApiKeyHash(keyHash))) {
    throw new Error("keyHash must be the SHA-256 of the key in lower-case hex (64 digits)");
  }
  if (typeof owner !== "string" || !isResourceOwner(owner)) throw new Error("owner must be 1..200 printable characters");
  if (typeof name !== "string" || name.trim() === "") throw new Error("name must be a non-empty string");
  const hash = typeof key === "string" ? hashApiKey(key) : (keyHash as string);
  return {
    id: apiKeyIdOf(hash),
    keyHash: hash,
    name,
    resourceOwner: owner,
    scopes: parseScopes(scopes),
    createdAt: loadedAt,
    ...(expiresAt !== undefined ? { expiresAt: parseTime(expiresAt) } : {}),
  };
}

/** Scopes as a list or a comma/space separated string; each must be a known scope. */
export function parseScopes(value: unknown): string[] {
  const list = typeof value === "string" ? value.split(/[\s,]+/).filter(Boolean) : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((scope) => typeof scope === "string")) {
    throw new Error(`scopes must be a non-empty list of ${knownScopes.join(", ")}`);
  }
  const unknown = list.filter((scope) => !(knownScopes as readonly string[]).includes(scope));
  if (unknown.length > 0) throw new Error(`unknown scope ${JSON.stringify(unknown[0])}; known: ${knownScopes.join(", ")}`);
  return [...new Set(list as string[])];
}

/** A resource owner id: 1..200 characters, none of them control characters. */
export function isResourceOwner(owner: string): boolean {
  // eslint-disable-next-line no-control-regex
  return owner.length >= 1 && owner.length <= 200 && !/[\u0000-\u001f\u007f]/.test(owner) && owner.trim() === owner;
}

function parseTime(value: unknown): Date {
  const time = typeof value === "string" ? new Date(value) : undefined;
  if (!time || Number.isNaN(time.getTime())) throw new Error("expiresAt must be an ISO 8601 time");
  return time;
}
