/**
 * The `jobs` read model, written from `job.*` events, and the job counters of
 * its batch in `batches`. Agrees with `evolveJob`: `details` come from the
 * job's last event.
 *
 * A batch counts each job once: pending until its first start, running from
 * then on (also while a retry waits), and succeeded or failed (cancelled
 * counts as failed) at its end. The batch statements decide that from the
 * job's row as it was before the event, so they run before the job's update.
 */
import type { NewEvent, StoredEvent } from "../../domain/events.js";
import type { JobSpec, Progress } from "../../domain/job.js";
import type { SqlValue, Statement } from "./statement.js";

/** The statements that apply a `job.*` event to `jobs` and `batches`; none for other events. */
export function jobStatements(event: StoredEvent): Statement[] {
  switch (event.type) {
    case "job.accepted":
      return [insertJob(event)];
    case "job.started":
      return [countBatchStart(event), startJob(event)];
    case "job.progressed":
      return [updateJob(event, progressColumns, progressValues(event.payload.progress))];
    case "job.retry_scheduled":
      return [scheduleRetry(event)];
    case "job.succeeded":
      return [countBatchEnd(event, "succeeded"), succeedJob(event)];
    case "job.failed":
    case "job.cancelled":
      return [countBatchEnd(event, "failed"), endJob(event, event.type === "job.failed" ? "failed" : "cancelled")];
    default:
      return [];
  }
}

/**
 * Whether `next`, the event after `accepted` in the same append, is the first
 * start of that job outside a batch: a runner with a free place starts a job
 * in the transaction that accepts it. The two then project as one INSERT of
 * the running job (`insertJob(accepted, next)`) instead of an INSERT, an
 * UPDATE and a batch counter update that finds no batch.
 */
export function startsInSameAppend(accepted: StoredEvent, next: Pick<NewEvent, "aggregateType" | "aggregateId" | "type"> | undefined): boolean {
  return (
    accepted.type === "job.accepted" &&
    (accepted.payload as unknown as JobSpec).batchId === undefined &&
    next?.type === "job.started" &&
    next.aggregateType === "job" &&
    next.aggregateId === accepted.aggregateId
  );
}

const jobKey = "WHERE resource_owner = ? AND id = ?";
const progressColumns =
  "progress_total = ?, progress_pending = ?, progress_running = ?, progress_succeeded = ?, progress_failed = ?";

/**
 * A new job: accepted, due at once (`next_attempt_at` is when a runner may
 * claim it), no progress yet — or, with `started` (see
 * {@link startsInSameAppend}), the row that event leaves right after.
 */
export function insertJob(accepted: StoredEvent, started?: StoredEvent): Statement {
  const spec = accepted.payload as unknown as JobSpec;
  const time = accepted.createdAt.getTime();
  const last = started ?? accepted;
  return {
    sql:
      "INSERT INTO jobs (resource_owner, id, function, input, async, callback_url, idempotency_key, include_result_schema, " +
      "max_attempts, batch_id, batch_index, status, attempts, created_at, next_attempt_at, sequence, change_date, " +
      "progress_total, progress_pending, progress_running, progress_succeeded, progress_failed, started_at) " +
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    params: [
      accepted.resourceOwner,
      accepted.aggregateId,
      spec.function,
      JSON.stringify(spec.input),
      spec.async ? 1 : 0,
      spec.callbackUrl ?? null,
      spec.idempotencyKey ?? null,
      spec.includeResultSchema ? 1 : 0,
      spec.maxAttempts,
      spec.batchId ?? null,
      spec.batchIndex ?? null,
      started ? "running" : "accepted",
      started ? Number(started.payload.attempt) : 0,
      time,
      time,
      last.sequence,
      last.createdAt.getTime(),
      ...(started ? progressValues(started.payload.progress) : [0, 0, 0, 0, 0]),
      started ? started.createdAt.getTime() : null,
    ],
  };
}

/** The first start of a batch's job moves it from pending to running, and starts the batch. */
function countBatchStart(event: StoredEvent): Statement {
  return {
    sql:
      "UPDATE batches SET pending = batches.pending - 1, running = batches.running + 1, " +
      "status = CASE WHEN batches.status = 'accepted' THEN 'running' ELSE batches.status END, " +
      "started_at = coalesce(batches.started_at, ?) FROM jobs " +
      "WHERE jobs.resource_owner = ? AND jobs.id = ? AND jobs.status = 'accepted' AND jobs.attempts = 0 " +
      "AND batches.resource_owner = jobs.resource_owner AND batches.id = jobs.batch_id",
    params: [event.createdAt.getTime(), event.resourceOwner, event.aggregateId],
  };
}

/** A batch's job that ends leaves pending (never started) or running, and counts as `outcome`. */
function countBatchEnd(event: StoredEvent, outcome: "succeeded" | "failed"): Statement {
  return {
    sql:
      "UPDATE batches SET pending = batches.pending - CASE WHEN jobs.attempts = 0 THEN 1 ELSE 0 END, " +
      "running = batches.running - CASE WHEN jobs.attempts = 0 THEN 0 ELSE 1 END, " +
      `${outcome} = batches.${outcome} + 1 FROM jobs ` +
      "WHERE jobs.resource_owner = ? AND jobs.id = ? AND jobs.status IN ('accepted', 'running') " +
      "AND batches.resource_owner = jobs.resource_owner AND batches.id = jobs.batch_id",
    params: [event.resourceOwner, event.aggregateId],
  };
}

/** Running with the attempt's progress; a scheduled retry is no longer pending. `started_at` is the first start's. */
function startJob(event: StoredEvent): Statement {
  return updateJob(
    event,
    `status = 'running', attempts = ?, ${progressColumns}, started_at = coalesce(started_at, ?), retry_at = NULL`,
    [Number(event.payload.attempt), ...progressValues(event.payload.progress), event.createdAt.getTime()],
  );
}

/** Accepted again, due at the retry time; the lease ends, so any runner may claim it then. */
function scheduleRetry(event: StoredEvent): Statement {
  const retryAt = Date.parse(String(event.payload.nextAttemptAt));
  return updateJob(
    event,
    "status = 'accepted', error = ?, next_attempt_at = ?, retry_at = ?, lease_owner = NULL, lease_until = NULL",
    [JSON.stringify(event.payload.error), retryAt, retryAt],
  );
}

function succeedJob(event: StoredEvent): Statement {
  const schema = event.payload.resultSchema;
  return updateJob(
    event,
    `status = 'succeeded', result = ?, result_schema = ?, error = NULL, ${progressColumns}, completed_at = ?, ` +
      "lease_owner = NULL, lease_until = NULL",
    [
      JSON.stringify(event.payload.result ?? null),
      schema === undefined ? null : JSON.stringify(schema),
      ...progressValues(event.payload.progress),
      event.createdAt.getTime(),
    ],
  );
}

/** Failed or cancelled: the error and final progress; the lease ends. */
function endJob(event: StoredEvent, status: "failed" | "cancelled"): Statement {
  return updateJob(
    event,
    `status = '${status}', error = ?, ${progressColumns}, completed_at = ?, lease_owner = NULL, lease_until = NULL`,
    [JSON.stringify(event.payload.error), ...progressValues(event.payload.progress), event.createdAt.getTime()],
  );
}

/** `UPDATE jobs SET <assignments>` plus the details, for the event's job. */
function updateJob(event: StoredEvent, assignments: string, values: readonly SqlValue[]): Statement {
  return {
    sql: `UPDATE jobs SET ${assignments}, sequence = ?, change_date = ? ${jobKey}`,
    params: [...values, event.sequence, event.createdAt.getTime(), event.resourceOwner, event.aggregateId],
  };
}

function progressValues(value: unknown): number[] {
  const progress = value as Progress;
  return [progress.total, progress.pending, progress.running, progress.succeeded, progress.failed].map(Number);
}
