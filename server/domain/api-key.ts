/**
 * API keys: long random bearer tokens of one resource owner with a set of
 * scopes. Only a key's SHA-256 hash is ever stored; the key itself is shown
 * once, when it is created.
 */

/** An API key as the store (or the configuration) holds it: never the key itself. */
export interface ApiKey {
  /** `key_` and the first 16 hex digits of the hash: stable, safe to show and log. */
  readonly id: string;
  /** Lower-case hex SHA-256 of the key. */
  readonly keyHash: string;
  /** Free text for humans ("ci deploys", "billing service"). */
  readonly name: string;
  /** The owner whose resources the key reads and writes. */
  readonly resourceOwner: string;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  /** The key stops working at this time, when set. */
  readonly expiresAt?: Date;
  /** Set once the key is revoked; a revoked key never works again. */
  readonly revokedAt?: Date;
}

/** Whether `key` may be used at `now`: neither revoked nor expired. */
export function isApiKeyActive(key: ApiKey, now: Date): boolean {
  return key.revokedAt === undefined && (key.expiresAt === undefined || key.expiresAt.getTime() > now.getTime());
}
