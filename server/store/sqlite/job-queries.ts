/** Reads of the `jobs` and `batches` read models. */
import type Sqlite from "better-sqlite3";
import type { Batch, Job, JobStatus } from "../../domain/job.js";
import type { JobFilter, Page, PageQuery } from "../store.js";
import { type BatchRow, type JobRow, batchColumns, batchFromRow, jobColumns, jobFromRow } from "./job-rows.js";
import { type PageReader, type Where, direction, jsonList, whereOwner } from "./paging.js";
import { limitParameter, objectRows } from "./statement-cache.js";

/** The job and batch reads of {@link JobStore}, synchronous. */
export interface JobQueries {
  getJob(owner: string, id: string): Job | undefined;
  listJobs(owner: string, filter: JobFilter, page: PageQuery): Page<Job>;
  getBatch(owner: string, id: string): Batch | undefined;
  nextDueAt(): Date | undefined;
  finishedOpenBatches(limit: number): Batch[];
  counts(): Record<JobStatus, number>;
}

/** Job and batch reads over `db`. */
export function createJobQueries(db: Sqlite.Database, readPage: PageReader): JobQueries {
  const jobById = objectRows<[string, string], JobRow>(db.prepare(`SELECT ${jobColumns} FROM jobs WHERE resource_owner = ? AND id = ?`));
  const batchById = objectRows<[string, string], BatchRow>(
    db.prepare(`SELECT ${batchColumns} FROM batches WHERE resource_owner = ? AND id = ?`),
  );
  // `status IN (…)` spelled as in the partial index `jobs_claimable`, so SQLite can use it.
  const firstUnleasedDue = db
    .prepare<[], bigint>(
      "SELECT next_attempt_at FROM jobs WHERE status IN ('accepted', 'running') AND lease_owner IS NULL " +
        "ORDER BY next_attempt_at LIMIT 1",
    )
    .pluck();
  // Only accepted and running jobs are ever leased (a CHECK says so); one is free again when its lease ends.
  const firstLeasedDue = db
    .prepare<[], bigint | null>("SELECT min(max(next_attempt_at, lease_until)) FROM jobs WHERE lease_owner IS NOT NULL")
    .pluck();
  // Spelled as in the partial index `batches_open`.
  const finishedOpen = objectRows<[number], BatchRow>(
    db.prepare(
      `SELECT ${batchColumns} FROM batches WHERE status IN ('accepted', 'running') ` +
        `AND pending = 0 AND running = 0 AND total > 0 ORDER BY created_at ${limitParameter}`,
    ),
  );
  // Kept by the store as it writes (counter-tally.ts; migration 0011 made the table): counting the table itself takes ~0.2 s per million rows.
  const countByStatus = db.prepare<[], { status: JobStatus; count: bigint }>(
    "SELECT status, count FROM status_counts WHERE table_name = 'jobs'",
  );
  // One snapshot, so both due times agree.
  const earliestDue = db.transaction((): Date | undefined => {
    const times = [firstUnleasedDue.get(), firstLeasedDue.get()].filter((time) => typeof time === "bigint");
    if (times.length === 0) return undefined;
    return new Date(Number(times.reduce((earliest, time) => (time < earliest ? time : earliest))));
  });

  return {
    getJob(owner, id) {
      const row = jobById.get(owner, id);
      return row === undefined ? undefined : jobFromRow(row);
    },
    listJobs(owner, filter, page) {
      const order = direction(page.asc);
      return readPage(
        {
          columns: jobColumns,
          from: "jobs",
          where: jobWhere(owner, filter),
          orderBy: filter.batchId === undefined ? `created_at ${order}, id ${order}` : `batch_index ${order}`,
        },
        page,
        jobFromRow,
      );
    },
    getBatch(owner, id) {
      const row = batchById.get(owner, id);
      return row === undefined ? undefined : batchFromRow(row);
    },
    nextDueAt: () => earliestDue(),
    finishedOpenBatches: (limit) => finishedOpen.all(Math.max(0, Math.trunc(limit))).map(batchFromRow),
    counts() {
      const counts: Record<JobStatus, number> = { accepted: 0, running: 0, succeeded: 0, partially_failed: 0, failed: 0, cancelled: 0 };
      for (const row of countByStatus.all()) counts[row.status] = Number(row.count);
      return counts;
    },
  };
}

/** Every set field of `filter` as a condition; an empty `statuses` list selects no status in particular. */
function jobWhere(owner: string, filter: JobFilter): Where {
  const where = whereOwner("resource_owner", owner);
  if (filter.batchId !== undefined) where.add("batch_id = ?", filter.batchId);
  // One status as `=`, so the status index also yields the order.
  if (filter.statuses?.length === 1) where.add("status = ?", filter.statuses[0]!);
  else if (filter.statuses !== undefined && filter.statuses.length > 1) {
    where.add("status IN (SELECT value FROM json_each(?))", jsonList(filter.statuses));
  }
  if (filter.function !== undefined) where.add("function = ?", filter.function);
  if (filter.createdFrom !== undefined) where.add("created_at >= ?", filter.createdFrom.getTime());
  if (filter.createdTo !== undefined) where.add("created_at < ?", filter.createdTo.getTime());
  return where.build();
}
