/**
 * The `jobs` read model, written from `job.*` events, and the counters they
 * move: jobs per status, and the job counters of their batch in `batches`.
 * Agrees with `evolveJob`: `details` come from the job's last event.
 *
 * A batch counts each job once: pending until its first start, running from
 * then on (also while a retry waits), and succeeded or failed (cancelled
 * counts as failed) at its end. {@link countJobEvent} decides that from the
 * job's row as it was before the event.
 */
import type { NewEvent, StoredEvent } from "../../domain/events.js";
import type { JobSpec, JobStatus, Progress } from "../../domain/job.js";
import type { Counters, SqlValue, Statement } from "./statement.js";

/** The statements that apply a `job.*` event to `jobs`; none for other events. Counters: {@link countJobEvent}. */
export function jobStatements(event: StoredEvent): Statement[] {
  switch (event.type) {
    case "job.accepted":
      return [insertJob(event)];
    case "job.started":
      return [startJob(event)];
    case "job.progressed":
      return [updateJob(event, progressColumns, progressValues(event.payload.progress))];
    case "job.retry_scheduled":
      return [scheduleRetry(event)];
    case "job.succeeded":
      return [succeedJob(event)];
    case "job.failed":
    case "job.cancelled":
      return [endJob(event, event.type === "job.failed" ? "failed" : "cancelled")];
    default:
      return [];
  }
}

/** What counting a job's event needs of its row as it was before the event. */
export interface JobRowBefore {
  readonly status: JobStatus;
  readonly attempts: number;
  readonly batchId: string | undefined;
}

/** The status a `job.*` event leaves its job in; undefined when it changes none. */
function statusAfter(type: string): JobStatus | undefined {
  switch (type) {
    case "job.accepted":
    case "job.retry_scheduled":
      return "accepted";
    case "job.started":
      return "running";
    case "job.succeeded":
      return "succeeded";
    case "job.failed":
      return "failed";
    case "job.cancelled":
      return "cancelled";
    default:
      return undefined;
  }
}

/** Whether {@link countJobEvent} needs the row before `event`: for every status change of an existing job. */
export function countsWithRowBefore(event: Pick<StoredEvent, "type">): boolean {
  return event.type !== "job.accepted" && statusAfter(event.type) !== undefined;
}

/**
 * Moves `counters` by `event`, given the job's row before it (undefined for
 * `job.accepted`, or when there is none, so the event's update changed
 * nothing): the job's status count, and for a batch's job its batch's
 * counters. A first start (accepted, never attempted) moves the job from
 * pending to running; an end of a job not yet ended moves it from pending
 * (never started) or running to succeeded or failed (cancelled counts as failed).
 */
export function countJobEvent(event: StoredEvent, before: JobRowBefore | undefined, counters: Counters): void {
  const to = statusAfter(event.type);
  if (to === undefined) return;
  if (event.type === "job.accepted") return counters.jobStatus(undefined, to);
  if (before === undefined) return;
  if (before.status !== to) counters.jobStatus(before.status, to);
  if (before.batchId === undefined) return;
  const fresh = before.attempts === 0;
  if (to === "running") {
    if (before.status === "accepted" && fresh) {
      counters.batch(event.resourceOwner, before.batchId, {
        pending: -1,
        running: 1,
        succeeded: 0,
        failed: 0,
        startedAt: event.createdAt.getTime(),
      });
    }
  } else if (to !== "accepted" && (before.status === "accepted" || before.status === "running")) {
    const succeeded = to === "succeeded" ? 1 : 0;
    counters.batch(event.resourceOwner, before.batchId, {
      pending: fresh ? -1 : 0,
      running: fresh ? 0 : -1,
      succeeded,
      failed: 1 - succeeded,
    });
  }
}

/**
 * Whether `next`, the event after `accepted` in the same append, is the first
 * start of that job outside a batch: a runner with a free place starts a job
 * in the transaction that accepts it. The two then project as one INSERT of
 * the running job (`insertJob(accepted, next)`) instead of an INSERT and an
 * UPDATE.
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
