/**
 * The runner's writes to `jobs`: claiming due jobs, renewing and releasing
 * leases, and the leases an append hands out with the jobs it accepts. Leases
 * are operational state, not events. Synchronous and without a transaction of
 * their own: the group commit (or the append) runs each inside one, so
 * concurrent claims never see each other's rows as free.
 */
import type Sqlite from "better-sqlite3";
import type { DeliveryLease } from "../../domain/delivery.js";
import type { Job } from "../../domain/job.js";
import { type JobRow, jobColumns, jobFromRow } from "./job-rows.js";
import { limitParameter, objectRows } from "./statement-cache.js";

/** The lease writes of {@link JobStore}, synchronous; run each inside a transaction. */
export interface JobWrites {
  claimDue(now: Date, limit: number, lease: DeliveryLease): Job[];
  renewLeases(jobIds: readonly string[], lease: DeliveryLease): string[];
  releaseLeases(leaseOwner: string): number;
  /** Leases jobs of `owner` that have not ended (others are left alone). */
  lease(owner: string, leases: readonly { readonly jobId: string; readonly lease: DeliveryLease }[]): void;
}

/** Job lease writes over `db`. */
export function createJobWrites(db: Sqlite.Database): JobWrites {
  // `status IN (…)` spelled as in the partial index `jobs_claimable`, so SQLite can use it. A running
  // job is due as soon as its lease has ended: its process died or let it go.
  const due = objectRows<[number, number, number], JobRow & { readonly rowid: bigint }>(
    db.prepare(
      `SELECT rowid, ${jobColumns} FROM jobs ` +
        "WHERE status IN ('accepted', 'running') AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) " +
        `ORDER BY next_attempt_at, rowid ${limitParameter}`,
    ),
  );
  const takeLease = db.prepare<[string, number, bigint]>("UPDATE jobs SET lease_owner = ?, lease_until = ? WHERE rowid = ?");
  const renew = db
    .prepare<[number, string, string], string>(
      "UPDATE jobs SET lease_until = ? WHERE lease_owner = ? AND id IN (SELECT value FROM json_each(?)) RETURNING id",
    )
    .pluck();
  const release = db.prepare<[string]>("UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?");
  const leaseOne = db.prepare<[string, number, string, string]>(
    "UPDATE jobs SET lease_owner = ?, lease_until = ? WHERE resource_owner = ? AND id = ? AND status IN ('accepted', 'running')",
  );

  return {
    claimDue(now, limit, lease) {
      const at = now.getTime();
      const until = lease.until.getTime();
      return due.all(at, at, Math.max(0, Math.trunc(limit))).map((row) => {
        takeLease.run(lease.owner, until, row.rowid);
        return jobFromRow(row);
      });
    },
    renewLeases(jobIds, lease) {
      if (jobIds.length === 0) return [];
      // Ids are unique per owner only, so one runner may hold two jobs with the same id.
      return [...new Set(renew.all(lease.until.getTime(), lease.owner, JSON.stringify(jobIds)))];
    },
    releaseLeases: (leaseOwner) => release.run(leaseOwner).changes,
    lease(owner, leases) {
      for (const { jobId, lease } of leases) leaseOne.run(lease.owner, lease.until.getTime(), owner, jobId);
    },
  };
}
