/** Rows of `deliveries` and `delivery_attempts`, and the domain values they map to. */
import type { Delivery, DeliveryAttempt, DeliveryKind, DeliveryStatus, DueDelivery } from "../../domain/delivery.js";
import type { StoredEvent } from "../../domain/events.js";

/** A `deliveries` row as better-sqlite3 answers it (integers as bigint). */
export interface DeliveryRow {
  readonly id: string;
  readonly resource_owner: string;
  readonly kind: DeliveryKind;
  readonly target_id: string | null;
  readonly endpoint: string;
  readonly event_position: bigint | null;
  readonly job_id: string | null;
  readonly batch_id: string | null;
  readonly body: string | null;
  readonly status: DeliveryStatus;
  readonly attempt_count: bigint;
  readonly round_attempts: bigint;
  readonly next_attempt_at: bigint | null;
  readonly lease_owner: string | null;
  readonly lease_until: bigint | null;
  readonly created_at: bigint;
  readonly updated_at: bigint;
  readonly version: bigint;
}

/** Every column of `deliveries`, in {@link DeliveryRow}'s order. */
export const deliveryColumns =
  "id, resource_owner, kind, target_id, endpoint, event_position, job_id, batch_id, body, status, attempt_count, " +
  "round_attempts, next_attempt_at, lease_owner, lease_until, created_at, updated_at, version";

/** A `delivery_attempts` row. */
export interface AttemptRow {
  readonly number: bigint;
  readonly attempted_at: bigint;
  readonly http_status: bigint;
  readonly latency_ms: bigint;
  readonly error: string | null;
  readonly response_excerpt: string | null;
  readonly next_attempt_at: bigint | null;
}

export const attemptColumns = "number, attempted_at, http_status, latency_ms, error, response_excerpt, next_attempt_at";

/** The delivery of `row`, without attempts (and without its body, which only a due delivery carries). */
export function deliveryFromRow(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    resourceOwner: row.resource_owner,
    kind: row.kind,
    ...(row.target_id === null ? {} : { targetId: row.target_id }),
    endpoint: row.endpoint,
    ...(row.event_position === null ? {} : { eventPosition: row.event_position }),
    ...(row.job_id === null ? {} : { jobId: row.job_id }),
    ...(row.batch_id === null ? {} : { batchId: row.batch_id }),
    status: row.status,
    attemptCount: Number(row.attempt_count),
    roundAttempts: Number(row.round_attempts),
    ...(row.next_attempt_at === null ? {} : { nextAttemptAt: dateOf(row.next_attempt_at) }),
    ...(row.lease_owner === null || row.lease_until === null
      ? {}
      : { leaseOwner: row.lease_owner, leaseUntil: dateOf(row.lease_until) }),
    createdAt: dateOf(row.created_at),
    version: Number(row.version),
    updatedAt: dateOf(row.updated_at),
  };
}

/** `row` ready to attempt: with its body, or with its event (read by the caller). */
export function dueFromRow(row: DeliveryRow, event: StoredEvent | undefined): DueDelivery {
  return {
    delivery: deliveryFromRow(row),
    ...(row.body === null ? {} : { body: row.body }),
    ...(event === undefined ? {} : { event }),
  };
}

export function attemptFromRow(row: AttemptRow): DeliveryAttempt {
  return {
    number: Number(row.number),
    attemptedAt: dateOf(row.attempted_at),
    httpStatus: Number(row.http_status),
    latencyMs: Number(row.latency_ms),
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.response_excerpt === null ? {} : { responseExcerpt: row.response_excerpt }),
    ...(row.next_attempt_at === null ? {} : { nextAttemptAt: dateOf(row.next_attempt_at) }),
  };
}

function dateOf(epochMs: bigint): Date {
  return new Date(Number(epochMs));
}
