/**
 * What `--output table` shows of each resource: a row in a list, fields for one.
 */
import { type JsonValue, toJson } from "@bufbuild/protobuf";
import { type Timestamp, ValueSchema, timestampDate } from "@bufbuild/protobuf/wkt";
import {
  type Batch,
  type Delivery,
  DeliveryKind,
  DeliveryStatus,
  type Details,
  type Event,
  type Execution,
  type Job,
  JobStatus,
  PayloadType,
  type Target,
  TargetState,
} from "../client/node.js";
import { formatCondition } from "./condition.js";
import { enumName, formatDuration } from "./shared-options.js";
import { renderFields, renderTable } from "./table.js";

/** A timestamp as ISO 8601, or empty. */
export function time(timestamp: Timestamp | undefined): string {
  return timestamp ? timestampDate(timestamp).toISOString() : "";
}

/** Compact JSON of a google.protobuf.Value (a job's result). */
export function valueJson(value: Job["result"]): string {
  return value === undefined ? "" : JSON.stringify(toJson(ValueSchema, value) as JsonValue);
}

function details(value: Details | undefined): [string, string | undefined][] {
  return [
    ["sequence", value ? String(value.sequence) : undefined],
    ["changed", time(value?.changeDate)],
    ["owner", value?.resourceOwner],
  ];
}

/** `webhook (interrupt on error)`, `call`, `async`. */
export function targetType(target: Pick<Target, "targetType">): string {
  const type = target.targetType;
  if (type.case === "restWebhook") return `webhook${type.value.interruptOnError ? " (interrupt on error)" : ""}`;
  if (type.case === "restCall") return `call${type.value.interruptOnError ? " (interrupt on error)" : ""}`;
  if (type.case === "restAsync") return "async";
  return "";
}

/** Targets as rows. */
export function targetsTable(targets: readonly Target[]): string {
  return renderTable(
    ["id", "name", "type", "timeout", "state", "endpoint"],
    targets.map((target) => [target.id, target.name, targetType(target), formatDuration(target.timeout), enumName(TargetState, target.state), target.endpoint]),
  );
}

/** One target, field by field. */
export function targetFields(target: Target): string {
  return renderFields([
    ["id", target.id],
    ["name", target.name],
    ["endpoint", target.endpoint],
    ["type", targetType(target)],
    ["timeout", formatDuration(target.timeout)],
    ["payload", enumName(PayloadType, target.payloadType)],
    ["state", enumName(TargetState, target.state)],
    ["disabled reason", target.disabledReason],
    ["previous key until", time(target.previousSigningKeyExpiresAt)],
    ["created", time(target.creationDate)],
    ...details(target.details),
  ]);
}

/** An execution's list as set: target ids and `include:<condition>`. */
function executionTargets(execution: Execution): string {
  return execution.targets
    .map((element) => (element.type.case === "include" ? `include:${formatCondition(element.type.value)}` : (element.type.value ?? "")))
    .join(" ");
}

/** Executions as rows: condition, the list as set, the resolved target ids. */
export function executionsTable(executions: readonly Execution[]): string {
  return renderTable(
    ["condition", "targets", "resolved"],
    executions.map((execution) => [formatCondition(execution.condition), executionTargets(execution), execution.resolvedTargetIds.join(" ")]),
  );
}

/** One execution, field by field. */
export function executionFields(execution: Execution): string {
  return renderFields([
    ["condition", formatCondition(execution.condition)],
    ["targets", executionTargets(execution)],
    ["resolved", execution.resolvedTargetIds.join(" ")],
    ...details(execution.details),
  ]);
}

function progressText(progress: Job["progress"]): string {
  if (!progress) return "";
  return `${progress.succeeded + progress.failed}/${progress.total} (ok ${progress.succeeded}, failed ${progress.failed})`;
}

/** Jobs as rows. */
export function jobsTable(jobs: readonly Job[]): string {
  return renderTable(
    ["id", "function", "status", "progress", "created", "error"],
    jobs.map((job) => [job.id, job.operation?.function ?? "", enumName(JobStatus, job.status), progressText(job.progress), time(job.createdAt), job.error?.message ?? ""]),
  );
}

/** One job, field by field, its result as compact JSON. */
export function jobFields(job: Job): string {
  return renderFields([
    ["id", job.id],
    ["function", job.operation?.function],
    ["status", enumName(JobStatus, job.status)],
    ["progress", progressText(job.progress)],
    ["attempts", String(job.attempts)],
    ["batch", job.batchId],
    ["error", job.error ? `${job.error.code}: ${job.error.message}${job.error.targetId ? ` (target ${job.error.targetId})` : ""}` : undefined],
    ["result", valueJson(job.result)],
    ["created", time(job.createdAt)],
    ["started", time(job.startedAt)],
    ["completed", time(job.completedAt)],
    ["callback", job.callbackUrl],
    ["idempotency key", job.idempotencyKey],
    ...details(job.details),
  ]);
}

/** One batch, field by field. */
export function batchFields(batch: Batch): string {
  return renderFields([
    ["id", batch.id],
    ["status", enumName(JobStatus, batch.status)],
    ["progress", progressText(batch.progress)],
    ["created", time(batch.createdAt)],
    ["started", time(batch.startedAt)],
    ["completed", time(batch.completedAt)],
    ["callback", batch.callbackUrl],
    ["idempotency key", batch.idempotencyKey],
    ...details(batch.details),
  ]);
}

/** One event as a line without a header (for `events watch`). */
export function eventLine(event: Event): string {
  return renderTable(["position", "type", "aggregate", "created"], [eventRow(event)]).split("\n")[1]! + "\n";
}

function eventRow(event: Event): string[] {
  return [String(event.position), event.type, `${event.aggregateType}/${event.aggregateId}#${event.sequence}`, time(event.createdAt)];
}

/** Events as rows. */
export function eventsTable(events: readonly Event[]): string {
  return renderTable(["position", "type", "aggregate", "created"], events.map(eventRow));
}

/** Deliveries as rows. */
export function deliveriesTable(deliveries: readonly Delivery[]): string {
  return renderTable(
    ["id", "kind", "status", "attempts", "next attempt", "endpoint"],
    deliveries.map((delivery) => [
      delivery.id,
      enumName(DeliveryKind, delivery.kind),
      enumName(DeliveryStatus, delivery.status),
      String(delivery.attemptCount),
      time(delivery.nextAttemptAt),
      delivery.endpoint,
    ]),
  );
}

/** One delivery, field by field, then its attempts as a table. */
export function deliveryFields(delivery: Delivery): string {
  const fields = renderFields([
    ["id", delivery.id],
    ["kind", enumName(DeliveryKind, delivery.kind)],
    ["status", enumName(DeliveryStatus, delivery.status)],
    ["target", delivery.targetId],
    ["endpoint", delivery.endpoint],
    ["event", delivery.eventPosition ? String(delivery.eventPosition) : undefined],
    ["job", delivery.jobId],
    ["batch", delivery.batchId],
    ["attempts", String(delivery.attemptCount)],
    ["next attempt", time(delivery.nextAttemptAt)],
    ["created", time(delivery.createdAt)],
    ...details(delivery.details),
  ]);
  if (delivery.attempts.length === 0) return fields;
  const attempts = renderTable(
    ["#", "at", "http", "latency", "error"],
    delivery.attempts.map((attempt) => [
      String(attempt.number),
      time(attempt.attemptedAt),
      attempt.httpStatus ? String(attempt.httpStatus) : "-",
      formatDuration(attempt.latency),
      attempt.error,
    ]),
  );
  return `${fields}\n${attempts}`;
}
