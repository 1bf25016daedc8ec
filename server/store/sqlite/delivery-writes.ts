/**
 * The dispatcher's writes to the outbox: claiming due deliveries, recording
 * outcomes, releasing leases, and scheduling deliveries again. Synchronous and
 * without a transaction of their own: the group commit runs each inside a
 * shared `BEGIN IMMEDIATE` transaction (group-commit.ts), so concurrent claims
 * never see each other's rows as free.
 */
import type Sqlite from "better-sqlite3";
import type { DeliveryLease, DeliveryOutcome, DeliveryStatus, DueDelivery, RedeliverSelector } from "../../domain/delivery.js";
import { type DeliveryRow, deliveryColumns, dueFromRow } from "./delivery-rows.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { type EventRow, eventColumns, eventFromRow } from "./events-queries.js";
import { whereOwner } from "./paging.js";
import { type StatementCache, limitParameter, objectRows } from "./statement-cache.js";

/** The outbox writes of {@link Store}, synchronous; run each inside a transaction. */
export interface DeliveryWrites {
  claimDue(now: Date, limit: number, lease: DeliveryLease): DueDelivery[];
  /** Records `outcome` at `now` (the change time, and the due time of a retry scheduled without one). */
  recordOutcome(outcome: DeliveryOutcome, now: Date): boolean;
  releaseLeases(leaseOwner: string): number;
  redeliver(owner: string, selector: RedeliverSelector, now: Date): number;
}

const schedulable: ReadonlySet<DeliveryStatus> = new Set(["pending", "failed"]);

/** Outbox writes over `db`; `secrets` opens the events of claimed deliveries. */
export function createDeliveryWrites(db: Sqlite.Database, statements: StatementCache, secrets: SecretBox): DeliveryWrites {
  // `status IN (…)` spelled as in the partial index `deliveries_due`, so SQLite can use it.
  const due = objectRows<[number, number, number], DeliveryRow>(
    db.prepare(
      `SELECT ${deliveryColumns} FROM deliveries ` +
        "WHERE status IN ('pending', 'failed') AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) " +
        `ORDER BY next_attempt_at, rowid ${limitParameter}`,
    ),
  );
  const takeLease = db.prepare<[string, number, string]>("UPDATE deliveries SET lease_owner = ?, lease_until = ? WHERE id = ?");
  const eventAt = db.prepare<[bigint, string], EventRow>(
    `SELECT ${eventColumns} FROM events WHERE position = ? AND resource_owner = ?`,
  );
  const heldAttempts = db
    .prepare<[string, string], bigint>("SELECT attempt_count FROM deliveries WHERE id = ? AND lease_owner = ?")
    .pluck();
  const insertAttempt = db.prepare<[string, bigint, number, number, number, string | null, string | null, number | null]>(
    "INSERT INTO delivery_attempts " +
      "(delivery_id, number, attempted_at, http_status, latency_ms, error, response_excerpt, next_attempt_at) " +
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const recordStatus = db.prepare<[DeliveryStatus, number | null, number, number, number, string]>(
    "UPDATE deliveries SET status = ?, next_attempt_at = ?, attempt_count = attempt_count + ?, " +
      "round_attempts = round_attempts + ?, lease_owner = NULL, lease_until = NULL, version = version + 1, updated_at = ? " +
      "WHERE id = ?",
  );
  const release = db.prepare<[string]>("UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?");
  const rescheduled =
    "UPDATE deliveries SET status = 'pending', round_attempts = 0, next_attempt_at = ?, lease_owner = NULL, " +
    "lease_until = NULL, version = version + 1, updated_at = ? WHERE ";

  return {
    claimDue(now, limit, lease) {
      const at = now.getTime();
      const until = lease.until.getTime();
      return due.all(at, at, Math.max(0, Math.trunc(limit))).map((row) => {
        takeLease.run(lease.owner, until, row.id);
        const leased: DeliveryRow = { ...row, lease_owner: lease.owner, lease_until: BigInt(until) };
        const event = row.event_position === null ? undefined : eventAt.get(row.event_position, row.resource_owner);
        return dueFromRow(leased, event === undefined ? undefined : eventFromRow(event, secrets));
      });
    },
    recordOutcome(outcome, now) {
      const attemptCount = heldAttempts.get(outcome.deliveryId, outcome.leaseOwner);
      if (attemptCount === undefined) return false;
      // A delivery that can still be attempted must be due some time; without a time given, at once.
      const nextAttemptAt = schedulable.has(outcome.status) ? (outcome.nextAttemptAt ?? now).getTime() : null;
      const { attempt } = outcome;
      if (attempt) {
        insertAttempt.run(
          outcome.deliveryId,
          attemptCount + 1n,
          attempt.attemptedAt.getTime(),
          attempt.httpStatus,
          Math.round(attempt.latencyMs),
          attempt.error ?? null,
          attempt.responseExcerpt ?? null,
          attempt.nextAttemptAt?.getTime() ?? nextAttemptAt,
        );
      }
      const attempts = attempt ? 1 : 0;
      recordStatus.run(outcome.status, nextAttemptAt, attempts, attempts, now.getTime(), outcome.deliveryId);
      return true;
    },
    releaseLeases: (leaseOwner) => release.run(leaseOwner).changes,
    redeliver(owner, selector, now) {
      const where = whereOwner("resource_owner", owner);
      if (selector.kind === "id") {
        where.add("id = ?", selector.id);
      } else {
        where.add("target_id = ?", selector.targetId);
        where.add("status = ?", "dead");
        if (selector.createdFrom !== undefined) where.add("created_at >= ?", selector.createdFrom.getTime());
        if (selector.createdTo !== undefined) where.add("created_at < ?", selector.createdTo.getTime());
      }
      const { sql, params } = where.build();
      return statements(rescheduled + sql).run(now.getTime(), now.getTime(), ...params).changes;
    },
  };
}
