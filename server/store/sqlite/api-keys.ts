/** API keys (hashes only), for authentication and `npm run keys`. */
import type Sqlite from "better-sqlite3";
import type { ApiKey } from "../../domain/api-key.js";
import { SwitchyardError } from "../../domain/errors.js";

interface ApiKeyRow {
  readonly id: string;
  readonly key_hash: string;
  readonly name: string;
  readonly resource_owner: string;
  readonly scopes: string;
  readonly created_at: bigint;
  readonly expires_at: bigint | null;
  readonly revoked_at: bigint | null;
}

export interface ApiKeys {
  /** Inserts `key`; throws `api_key_exists` when its id or hash is taken. */
  add(key: ApiKey): void;
  byHash(keyHash: string): ApiKey | undefined;
  list(owner: string | undefined): ApiKey[];
  /** Sets revoked_at unless already set; false when no key has `id`. */
  revoke(id: string, at: Date): boolean;
}

const columns = "id, key_hash, name, resource_owner, scopes, created_at, expires_at, revoked_at";

/** API keys over `db`. */
export function createApiKeys(db: Sqlite.Database): ApiKeys {
  const insert = db.prepare<[string, string, string, string, string, number, number | null]>(
    `INSERT INTO api_keys (id, key_hash, name, resource_owner, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const selectByHash = db.prepare<[string], ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE key_hash = ?`);
  const selectAll = db.prepare<[], ApiKeyRow>(`SELECT ${columns} FROM api_keys ORDER BY created_at, id`);
  const selectOfOwner = db.prepare<[string], ApiKeyRow>(
    `SELECT ${columns} FROM api_keys WHERE resource_owner = ? ORDER BY created_at, id`,
  );
  const revoke = db.prepare<[number, string]>("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?");
  return {
    add(key) {
      const { changes } = insert.run(
        key.id,
        key.keyHash,
        key.name,
        key.resourceOwner,
        JSON.stringify(key.scopes),
        key.createdAt.getTime(),
        key.expiresAt?.getTime() ?? null,
      );
      if (changes === 0) throw new SwitchyardError("already_exists", "api_key_exists", `API key ${key.id} exists`, { key_id: key.id });
    },
    byHash(keyHash) {
      const row = selectByHash.get(keyHash);
      return row && apiKeyOf(row);
    },
    list: (owner) => (owner === undefined ? selectAll.all() : selectOfOwner.all(owner)).map(apiKeyOf),
    revoke: (id, at) => revoke.run(at.getTime(), id).changes > 0,
  };
}

function apiKeyOf(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    keyHash: row.key_hash,
    name: row.name,
    resourceOwner: row.resource_owner,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: new Date(Number(row.created_at)),
    ...(row.expires_at === null ? {} : { expiresAt: new Date(Number(row.expires_at)) }),
    ...(row.revoked_at === null ? {} : { revokedAt: new Date(Number(row.revoked_at)) }),
  };
}
