/** Idempotency keys: claimed inside an append's transaction, read before one. */
import type Sqlite from "better-sqlite3";
import { SwitchyardError } from "../../domain/errors.js";
import type { IdempotencyClaim, IdempotencyRecord } from "../store.js";

export interface IdempotencyKeys {
  /** Records the claim for `position`; throws `idempotency_key_taken` when the key is recorded already. */
  claim(owner: string, claim: IdempotencyClaim, position: bigint, createdAt: Date): void;
  get(owner: string, scope: string, key: string): IdempotencyRecord | undefined;
  /** Deletes the records (of every owner) created before `before`; answers how many. */
  prune(before: Date): number;
}

/** Idempotency keys over `db`. */
export function createIdempotencyKeys(db: Sqlite.Database): IdempotencyKeys {
  const insert = db.prepare<[string, string, string, string, string, number]>(
    "INSERT INTO idempotency_keys (resource_owner, scope, key, request_hash, result, created_at) " +
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const select = db.prepare<[string, string, string], { request_hash: string; result: string; created_at: bigint }>(
    "SELECT request_hash, result, created_at FROM idempotency_keys WHERE resource_owner = ? AND scope = ? AND key = ?",
  );
  const deleteBefore = db.prepare<[number]>("DELETE FROM idempotency_keys WHERE created_at < ?");
  return {
    claim(owner, claim, position, createdAt) {
      const { changes } = insert.run(owner, claim.scope, claim.key, claim.requestHash, String(position), createdAt.getTime());
      if (changes === 0) {
        throw new SwitchyardError("already_exists", "idempotency_key_taken", `idempotency key ${JSON.stringify(claim.key)} is taken`, {
          idempotency_key: claim.key,
        });
      }
    },
    get(owner, scope, key) {
      const row = select.get(owner, scope, key);
      if (!row) return undefined;
      return { requestHash: row.request_hash, position: BigInt(row.result), createdAt: new Date(Number(row.created_at)) };
    },
    prune: (before) => deleteBefore.run(before.getTime()).changes,
  };
}
