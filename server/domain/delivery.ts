/**
 * Deliveries: messages that must reach one endpoint at least once — an event
 * for an event execution, a `rest_async` call of a chain, a job's or batch's
 * callback. They are written to the outbox in the same transaction as what
 * causes them and retried until they succeed or run out of attempts.
 *
 * Deliveries are operational state, not events: their progress is never
 * appended to the event log (an `event all` execution would otherwise feed on
 * its own deliveries).
 */
import type { StoredEvent } from "./events.js";
import { uuidV7 } from "./ids.js";

export type DeliveryKind = "event" | "async_call" | "callback";
export type DeliveryStatus = "pending" | "succeeded" | "failed" | "dead";

/** A delivery about to be written to the outbox. */
export interface NewDelivery {
  /** Also the `webhook-id` of every attempt: `msg_` and 32 hex digits. */
  readonly id: string;
  readonly kind: DeliveryKind;
  /** The target it goes to; absent for callbacks. */
  readonly targetId?: string;
  /** The URL at creation (attempts go to the target's current endpoint). */
  readonly endpoint: string;
  /** Event deliveries: the event whose envelope is the body (filled in by the store for planned deliveries). */
  readonly eventPosition?: bigint;
  readonly jobId?: string;
  readonly batchId?: string;
  /** The JSON body, for async calls and callbacks; event deliveries are built from their event. */
  readonly body?: string;
  /**
   * Leased to this worker from the start, so the process that wrote it can
   * attempt it at once without claiming it first. When that process dies the
   * lease expires and any dispatcher reclaims it.
   */
  readonly lease?: DeliveryLease;
}

/** Who may attempt a delivery, and until when. */
export interface DeliveryLease {
  readonly owner: string;
  readonly until: Date;
}

/** One try. */
export interface DeliveryAttempt {
  /** 1-based. */
  readonly number: number;
  readonly attemptedAt: Date;
  /** 0 when no response arrived. */
  readonly httpStatus: number;
  readonly latencyMs: number;
  readonly error?: string;
  /** The first 1 KiB of the response body. */
  readonly responseExcerpt?: string;
  /** When the next attempt is due, if one was scheduled. */
  readonly nextAttemptAt?: Date;
}

/** A delivery as the outbox holds it. */
export interface Delivery {
  readonly id: string;
  readonly resourceOwner: string;
  readonly kind: DeliveryKind;
  readonly targetId?: string;
  readonly endpoint: string;
  readonly eventPosition?: bigint;
  readonly jobId?: string;
  readonly batchId?: string;
  readonly status: DeliveryStatus;
  readonly attemptCount: number;
  /**
   * Attempts made since the delivery was last (re)scheduled from the start:
   * the index into the retry schedule. Redeliver resets it.
   */
  readonly roundAttempts: number;
  readonly nextAttemptAt?: Date;
  /** The dispatcher that holds the delivery, and until when. */
  readonly leaseOwner?: string;
  readonly leaseUntil?: Date;
  readonly createdAt: Date;
  /** Bumped on every change; the `sequence` of its details. */
  readonly version: number;
  readonly updatedAt: Date;
  /** Oldest first; only filled by `getDelivery`. */
  readonly attempts?: readonly DeliveryAttempt[];
}

/** A delivery ready to be attempted, with what it carries. */
export interface DueDelivery {
  readonly delivery: Delivery;
  /** The stored body (async calls, callbacks). */
  readonly body?: string;
  /** The event (event deliveries). */
  readonly event?: StoredEvent;
}

/**
 * Decides the deliveries an appended event causes; asked inside the append's
 * transaction, so they commit (or roll back) with the event.
 */
export type DeliveryPlanner = (event: StoredEvent) => readonly NewDelivery[];

/** What became of one attempt (or of a postponement without an attempt). */
export interface DeliveryOutcome {
  readonly deliveryId: string;
  /** Only the holder of the lease may record; a record from anyone else is ignored. */
  readonly leaseOwner: string;
  /** Absent when the delivery is only postponed (e.g. an open circuit), which uses no attempt. */
  readonly attempt?: Omit<DeliveryAttempt, "number">;
  readonly status: DeliveryStatus;
  /** Due time of the next attempt, for `failed` (and postponed `pending`) deliveries. */
  readonly nextAttemptAt?: Date;
}

/** Selects deliveries; every set field must match. */
export interface DeliveryFilter {
  readonly targetId?: string;
  /** Any of these. */
  readonly statuses?: readonly DeliveryStatus[];
  readonly eventPosition?: bigint;
  readonly jobId?: string;
  /** created_at >= createdFrom. */
  readonly createdFrom?: Date;
  /** created_at < createdTo. */
  readonly createdTo?: Date;
}

/** What Redeliver schedules again. */
export type RedeliverSelector =
  | { readonly kind: "id"; readonly id: string }
  | { readonly kind: "dead"; readonly targetId: string; readonly createdFrom?: Date; readonly createdTo?: Date };

/** `msg_` and the 32 hex digits of a time-ordered UUID (see ids.ts). */
export function newDeliveryId(): string {
  return `msg_${uuidV7().replaceAll("-", "")}`;
}
