/**
 * Jobs: one run of a function's chain over an input, and batches of them.
 * Every transition is an event (`job.accepted`, `job.started`,
 * `job.progressed`, `job.retry_scheduled`, `job.succeeded`, `job.failed`,
 * `job.cancelled`; `batch.accepted`, `batch.completed`), so event executions
 * can react to jobs. Pure decisions from commands and current state to events.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { SwitchyardError } from "./errors.js";
import type { Details, NewEvent, StoredEvent } from "./events.js";
import { detailsOf } from "./events.js";
import { requireJsonDepth } from "./json-depth.js";

export type JobStatus = "accepted" | "running" | "succeeded" | "partially_failed" | "failed" | "cancelled";
export const terminalJobStatuses: ReadonlySet<JobStatus> = new Set(["succeeded", "partially_failed", "failed", "cancelled"]);

/** Targets of a job, or jobs of a batch. */
export interface Progress {
  readonly total: number;
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
}

export interface JobError {
  /** `target_failed`, `timeout`, `cancelled`, `function_not_bound`, … */
  readonly code: string;
  readonly message: string;
  readonly targetId?: string;
}

export type ColumnType = "string" | "number" | "bool" | "unspecified";
export interface ResultColumn {
  readonly name: string;
  readonly type: ColumnType;
}

/** What a client asks for. */
export interface JobSpec {
  readonly function: string;
  readonly input: JsonObject;
  readonly async: boolean;
  readonly callbackUrl?: string;
  readonly idempotencyKey?: string;
  readonly includeResultSchema: boolean;
  readonly maxAttempts: number;
  readonly batchId?: string;
  readonly batchIndex?: number;
}

/** A job as the read model holds it. */
export interface Job extends JobSpec {
  readonly id: string;
  readonly status: JobStatus;
  readonly progress: Progress;
  readonly result?: JsonValue;
  readonly resultSchema?: readonly ResultColumn[];
  readonly error?: JobError;
  readonly attempts: number;
  readonly createdAt: Date;
  readonly startedAt?: Date;
  readonly completedAt?: Date;
  /** When a retry is due (status accepted after `job.retry_scheduled`). */
  readonly nextAttemptAt?: Date;
  readonly details: Details;
}

export interface BatchSpec {
  readonly total: number;
  readonly callbackUrl?: string;
  readonly idempotencyKey?: string;
  readonly includeResultSchema: boolean;
}

/** A batch as the read model holds it; progress counts its jobs. */
export interface Batch extends BatchSpec {
  readonly id: string;
  readonly status: JobStatus;
  readonly progress: Progress;
  readonly createdAt: Date;
  readonly startedAt?: Date;
  readonly completedAt?: Date;
  readonly details: Details;
}

export const emptyProgress = (total: number): Progress => ({ total, pending: total, running: 0, succeeded: 0, failed: 0 });

/** `job.accepted`. */
export function decideAcceptJob(id: string, spec: JobSpec): NewEvent {
  requireJsonDepth(spec.input, spec.batchIndex === undefined ? "operation.input" : `items[${spec.batchIndex}].operation.input`);
  return { aggregateType: "job", aggregateId: id, type: "job.accepted", payload: { ...spec } };
}

/** `job.started` for attempt `attempt` over `total` targets. */
export function decideStartJob(job: Job, total: number): NewEvent[] {
  if (terminalJobStatuses.has(job.status)) return [];
  return [startEvent(job.id, job.attempts + 1, total)];
}

/**
 * `job.started` (first attempt) of a job accepted in the same append: a runner
 * that has a place for a job starts it in the transaction that accepts it.
 */
export function decideStartAcceptedJob(id: string, total: number): NewEvent {
  return startEvent(id, 1, total);
}

/** The progress of an attempt that is starting its first of `total` steps. */
export function startingProgress(total: number): Progress {
  return { ...emptyProgress(total), pending: Math.max(0, total - 1), running: Math.min(1, total) };
}

function startEvent(id: string, attempt: number, total: number): NewEvent {
  return event(id, "job.started", { attempt, progress: startingProgress(total) });
}

/** `job.progressed` after a step, when more steps follow. */
export function decideProgress(job: Job, progress: Progress): NewEvent[] {
  return terminalJobStatuses.has(job.status) ? [] : [event(job.id, "job.progressed", { progress: { ...progress } })];
}

export function decideSucceedJob(job: Job, result: JsonValue, progress: Progress): NewEvent[] {
  if (terminalJobStatuses.has(job.status)) return [];
  const schema = job.includeResultSchema ? resultSchemaOf(result) : undefined;
  return [event(job.id, "job.succeeded", { result, progress: { ...progress }, ...(schema ? { resultSchema: schema } : {}) })];
}

export function decideFailJob(job: Job, error: JobError, progress: Progress): NewEvent[] {
  if (terminalJobStatuses.has(job.status)) return [];
  return [event(job.id, "job.failed", { error: { ...error }, progress: { ...progress } })];
}

/** `job.retry_scheduled`: the attempt failed with a retryable error and attempts are left. */
export function decideRetryJob(job: Job, error: JobError, nextAttemptAt: Date): NewEvent[] {
  if (terminalJobStatuses.has(job.status)) return [];
  return [event(job.id, "job.retry_scheduled", { error: { ...error }, nextAttemptAt: nextAttemptAt.toISOString() })];
}

/** `job.cancelled`; cancelling a finished job is FAILED_PRECONDITION `job_finished`. */
export function decideCancelJob(job: Job): NewEvent[] {
  if (terminalJobStatuses.has(job.status)) {
    throw new SwitchyardError("failed_precondition", "job_finished", `job ${JSON.stringify(job.id)} is already ${job.status}`, {
      job_id: job.id,
      status: job.status,
    });
  }
  const progress = job.status === "running" ? { ...job.progress, running: 0, failed: job.progress.failed + job.progress.running } : job.progress;
  return [event(job.id, "job.cancelled", { error: { code: "cancelled", message: "the job was cancelled" }, progress: { ...progress } })];
}

function event(id: string, type: string, payload: Record<string, unknown>): NewEvent {
  return { aggregateType: "job", aggregateId: id, type, payload };
}

/**
 * How a batch ends once none of its jobs is pending or running: every job
 * succeeded, every job failed (cancelled ones count as failed), or some of
 * each; undefined while jobs are still open.
 */
export function batchOutcome(progress: Progress): "succeeded" | "failed" | "partially_failed" | undefined {
  if (progress.pending + progress.running > 0) return undefined;
  if (progress.failed === 0) return "succeeded";
  return progress.succeeded === 0 ? "failed" : "partially_failed";
}

/** The batch as its `batch.accepted` event made it: every job pending. */
export function acceptedBatch(stored: StoredEvent): Batch {
  const spec = stored.payload as unknown as BatchSpec;
  return { ...spec, id: stored.aggregateId, status: "accepted", progress: emptyProgress(spec.total), createdAt: stored.createdAt, details: detailsOf(stored) };
}

/**
 * A job with every field present (undefined when absent), always in this
 * order; the other fields come from `job.accepted`'s spec, or from a row.
 * Every job then shares one object shape, and so does each transition's copy
 * of it: a spread of a spec with fields added made V8 build a new hidden
 * class for every job, and every function reading jobs megamorphic.
 */
export function jobOf(
  spec: JobSpec,
  id: string,
  status: JobStatus,
  progress: Progress,
  attempts: number,
  createdAt: Date,
  details: Details,
  outcome: Pick<Job, "result" | "resultSchema" | "error" | "startedAt" | "completedAt" | "nextAttemptAt"> = {},
): Job {
  return {
    id,
    function: spec.function,
    input: spec.input,
    async: spec.async,
    callbackUrl: spec.callbackUrl,
    idempotencyKey: spec.idempotencyKey,
    includeResultSchema: spec.includeResultSchema,
    maxAttempts: spec.maxAttempts,
    batchId: spec.batchId,
    batchIndex: spec.batchIndex,
    status,
    progress,
    result: outcome.result,
    resultSchema: outcome.resultSchema,
    error: outcome.error,
    attempts,
    createdAt,
    startedAt: outcome.startedAt,
    completedAt: outcome.completedAt,
    nextAttemptAt: outcome.nextAttemptAt,
    details,
  };
}

/** The job after `event`; undefined before `job.accepted`. */
export function evolveJob(current: Job | undefined, stored: StoredEvent): Job | undefined {
  if (stored.aggregateType !== "job") return current;
  const payload = stored.payload as Record<string, any>;
  const details = detailsOf(stored);
  if (stored.type === "job.accepted") {
    const spec = payload as unknown as JobSpec;
    return jobOf(spec, stored.aggregateId, "accepted", emptyProgress(0), 0, stored.createdAt, details);
  }
  if (!current) return current;
  switch (stored.type) {
    case "job.started":
      return { ...current, status: "running", attempts: payload.attempt, progress: payload.progress, startedAt: current.startedAt ?? stored.createdAt, nextAttemptAt: undefined, details } as Job;
    case "job.progressed":
      return { ...current, progress: payload.progress, details };
    case "job.retry_scheduled":
      return { ...current, status: "accepted", error: payload.error, nextAttemptAt: new Date(payload.nextAttemptAt), details };
    case "job.succeeded":
      return { ...current, status: "succeeded", result: payload.result, resultSchema: payload.resultSchema, progress: payload.progress, error: undefined, completedAt: stored.createdAt, details } as Job;
    case "job.failed":
      return { ...current, status: "failed", error: payload.error, progress: payload.progress, completedAt: stored.createdAt, details };
    case "job.cancelled":
      return { ...current, status: "cancelled", error: payload.error, progress: payload.progress, completedAt: stored.createdAt, details };
    default:
      return current;
  }
}

/**
 * The columns of a result that is a non-empty list of flat records (objects
 * whose values are strings, numbers, booleans or null), in order of first
 * appearance; undefined for any other result.
 */
export function resultSchemaOf(result: JsonValue): ResultColumn[] | undefined {
  if (!Array.isArray(result) || result.length === 0) return undefined;
  const types = new Map<string, ColumnType | undefined>();
  for (const record of result) {
    if (record === null || typeof record !== "object" || Array.isArray(record)) return undefined;
    for (const [name, value] of Object.entries(record)) {
      if (value !== null && typeof value === "object") return undefined;
      const type: ColumnType | undefined =
        value === null ? undefined : typeof value === "string" ? "string" : typeof value === "number" ? "number" : "bool";
      const seen = types.get(name);
      if (!types.has(name)) types.set(name, type);
      else if (type !== undefined && seen !== undefined && seen !== type) types.set(name, "unspecified");
      else if (seen === undefined) types.set(name, type);
    }
  }
  return [...types].map(([name, type]) => ({ name, type: type ?? "unspecified" }));
}

/** The result as an XML document: `<result>` with `<item>` per list element and one element per key. */
export function resultXml(result: JsonValue | undefined): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xmlElement("result", result ?? null)}\n`;
}

function xmlElement(name: string, value: JsonValue): string {
  const tag = xmlName(name);
  if (value === null) return `<${tag} nil="true"/>`;
  if (Array.isArray(value)) return `<${tag}>${value.map((item) => xmlElement("item", item)).join("")}</${tag}>`;
  if (typeof value === "object") {
    return `<${tag}>${Object.entries(value).map(([key, item]) => xmlElement(key, item)).join("")}</${tag}>`;
  }
  return `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

/** A key as an element name: invalid characters become `_`, a bad start gets a `_` prefix. */
function xmlName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, "_");
  return /^[A-Za-z_]/.test(cleaned) && !/^xml/i.test(cleaned) ? cleaned : `_${cleaned}`;
}

function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
