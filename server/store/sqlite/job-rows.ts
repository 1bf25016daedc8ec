/** Rows of `jobs` and `batches`, and the domain values they map to. */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { type Batch, type Job, type JobError, type JobSpec, type JobStatus, type ResultColumn, jobOf } from "../../domain/job.js";

/** A `jobs` row as better-sqlite3 answers it (integers as bigint), without the lease. */
export interface JobRow {
  readonly resource_owner: string;
  readonly id: string;
  readonly function: string;
  readonly input: string;
  readonly async: bigint;
  readonly callback_url: string | null;
  readonly idempotency_key: string | null;
  readonly include_result_schema: bigint;
  readonly max_attempts: bigint;
  readonly batch_id: string | null;
  readonly batch_index: bigint | null;
  readonly status: JobStatus;
  readonly progress_total: bigint;
  readonly progress_pending: bigint;
  readonly progress_running: bigint;
  readonly progress_succeeded: bigint;
  readonly progress_failed: bigint;
  readonly result: string | null;
  readonly result_schema: string | null;
  readonly error: string | null;
  readonly attempts: bigint;
  readonly created_at: bigint;
  readonly started_at: bigint | null;
  readonly completed_at: bigint | null;
  readonly retry_at: bigint | null;
  readonly sequence: bigint;
  readonly change_date: bigint;
}

/** The columns of `jobs` a {@link JobRow} holds, in its order. */
export const jobColumns =
  "resource_owner, id, function, input, async, callback_url, idempotency_key, include_result_schema, max_attempts, " +
  "batch_id, batch_index, status, progress_total, progress_pending, progress_running, progress_succeeded, " +
  "progress_failed, result, result_schema, error, attempts, created_at, started_at, completed_at, retry_at, sequence, " +
  "change_date";

/** A `batches` row. */
export interface BatchRow {
  readonly resource_owner: string;
  readonly id: string;
  readonly total: bigint;
  readonly callback_url: string | null;
  readonly idempotency_key: string | null;
  readonly include_result_schema: bigint;
  readonly status: JobStatus;
  readonly pending: bigint;
  readonly running: bigint;
  readonly succeeded: bigint;
  readonly failed: bigint;
  readonly created_at: bigint;
  readonly started_at: bigint | null;
  readonly completed_at: bigint | null;
  readonly sequence: bigint;
  readonly change_date: bigint;
}

/** Every column of `batches`, in {@link BatchRow}'s order. */
export const batchColumns =
  "resource_owner, id, total, callback_url, idempotency_key, include_result_schema, status, pending, running, " +
  "succeeded, failed, created_at, started_at, completed_at, sequence, change_date";

/** The job of `row`; optional fields are undefined when their column is NULL. */
export function jobFromRow(row: JobRow): Job {
  const spec: JobSpec = {
    function: row.function,
    input: JSON.parse(row.input) as JsonObject,
    async: row.async !== 0n,
    callbackUrl: row.callback_url ?? undefined,
    idempotencyKey: row.idempotency_key ?? undefined,
    includeResultSchema: row.include_result_schema !== 0n,
    maxAttempts: Number(row.max_attempts),
    batchId: row.batch_id ?? undefined,
    batchIndex: row.batch_index === null ? undefined : Number(row.batch_index),
  };
  const progress = {
    total: Number(row.progress_total),
    pending: Number(row.progress_pending),
    running: Number(row.progress_running),
    succeeded: Number(row.progress_succeeded),
    failed: Number(row.progress_failed),
  };
  const details = { sequence: row.sequence, changeDate: dateOf(row.change_date), resourceOwner: row.resource_owner };
  return jobOf(spec, row.id, row.status, progress, Number(row.attempts), dateOf(row.created_at), details, {
    result: row.result === null ? undefined : (JSON.parse(row.result) as JsonValue),
    resultSchema: row.result_schema === null ? undefined : (JSON.parse(row.result_schema) as ResultColumn[]),
    error: row.error === null ? undefined : (JSON.parse(row.error) as JobError),
    startedAt: row.started_at === null ? undefined : dateOf(row.started_at),
    completedAt: row.completed_at === null ? undefined : dateOf(row.completed_at),
    nextAttemptAt: row.retry_at === null ? undefined : dateOf(row.retry_at),
  });
}

/** The batch of `row`. */
export function batchFromRow(row: BatchRow): Batch {
  return {
    id: row.id,
    total: Number(row.total),
    ...(row.callback_url === null ? {} : { callbackUrl: row.callback_url }),
    ...(row.idempotency_key === null ? {} : { idempotencyKey: row.idempotency_key }),
    includeResultSchema: row.include_result_schema !== 0n,
    status: row.status,
    progress: {
      total: Number(row.total),
      pending: Number(row.pending),
      running: Number(row.running),
      succeeded: Number(row.succeeded),
      failed: Number(row.failed),
    },
    createdAt: dateOf(row.created_at),
    ...(row.started_at === null ? {} : { startedAt: dateOf(row.started_at) }),
    ...(row.completed_at === null ? {} : { completedAt: dateOf(row.completed_at) }),
    details: { sequence: row.sequence, changeDate: dateOf(row.change_date), resourceOwner: row.resource_owner },
  };
}

function dateOf(epochMs: bigint): Date {
  return new Date(Number(epochMs));
}
