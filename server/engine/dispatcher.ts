/**
 * The dispatcher: attempts deliveries from the outbox until they succeed or
 * run out of attempts.
 *
 * - Deliveries this process writes are leased to it in the same transaction
 *   (while it has room for them), so they are attempted right after COMMIT
 *   without a claim round trip. Everything else — retries that fell due,
 *   deliveries of a process that died, redeliveries — is claimed by polling.
 * - A failed attempt is retried after the next wait of the schedule, ±20 %
 *   jitter, or after the target's `Retry-After` when it sent one. When the
 *   schedule is used up the delivery is dead. `410 Gone` kills the delivery at
 *   once and disables the target.
 * - An open circuit breaker postpones a delivery without using an attempt.
 * - Every attempt goes out with the delivery id as `webhook-id`, so a receiver
 *   recognises a retry, also one after a crash (at-least-once).
 */
import type { JsonObject } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { DeliveryLease, DeliveryOutcome, DeliveryPlanner, DueDelivery } from "../domain/delivery.js";
import { newDeliveryId } from "../domain/delivery.js";
import type { StoredEvent } from "../domain/events.js";
import { publicPayload } from "../domain/secret-fields.js";
import type { Target } from "../domain/target.js";
import type { Store } from "../store/store.js";
import type { CircuitBreakers } from "./circuit-breaker.js";
import { type CallRequest, type CallResult, type HttpCaller, failedCall } from "./http-caller.js";
import type { Router } from "./router.js";
import { createLeasePool, newWorkerId } from "./lease-pool.js";
import { signingKeysOf } from "./webhook-signature.js";

export interface DispatcherOptions {
  readonly store: Store;
  readonly router: Router;
  readonly caller: HttpCaller;
  readonly breakers: CircuitBreakers;
  /** Waits between attempts, in ms; after the last one fails the delivery is dead. */
  readonly schedule: readonly number[];
  /** Most attempts in flight at once. */
  readonly concurrency: number;
  /** Lease beyond the target's timeout. */
  readonly leaseMs: number;
  /** How often to look for due deliveries. */
  readonly pollMs: number;
  /** Signs JWT payloads with the server's key. */
  readonly signJwt?: (payload: object) => string;
  /** Keys that sign callbacks (deliveries without a target). */
  readonly callbackSigningKeys?: () => readonly string[];
  /** Called when a target answers 410 Gone: disable it. */
  readonly onGone?: (owner: string, targetId: string, deliveryId: string) => Promise<void>;
  readonly logger?: Logger;
  readonly now?: () => Date;
  readonly random?: () => number;
}

export interface Dispatcher {
  /** Plans the event deliveries of an appended event; the store asks it inside the append's transaction. */
  readonly planner: DeliveryPlanner;
  /** A lease for a delivery about to be written by this process, when it has room to attempt it at once. */
  offerLease(timeoutMs: number): DeliveryLease | undefined;
  /** The lease owner of this process. */
  readonly workerId: string;
  /** Starts polling. */
  start(): void;
  /**
   * Stops claiming, lets in-flight attempts finish for up to `graceMs`, aborts
   * the rest and releases every lease this process holds.
   */
  stop(graceMs: number): Promise<void>;
  /** Looks for due deliveries now (e.g. after a Redeliver) instead of at the next poll. */
  wake(): void;
  /** Attempts in flight and waiting locally, for metrics and tests. */
  stats(): { inFlight: number; queued: number };
}

/** Longest Retry-After honoured. */
const maxRetryAfterMs = 24 * 60 * 60 * 1000;
/** Timeout of callbacks, which have no target to take it from. */
const callbackTimeoutMs = 10_000;
const excerptBytes = 1024;

/** The body of an event delivery; secret payload fields are redacted. */
export function eventEnvelope(event: StoredEvent): JsonObject {
  return {
    position: event.position.toString(),
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    sequence: event.sequence.toString(),
    type: event.type,
    payload: publicPayload(event),
    resourceOwner: event.resourceOwner,
    createdAt: event.createdAt.toISOString(),
  };
}

/** Creates a dispatcher; call `store.setDeliveryPlanner(dispatcher.planner)` and `start()`. */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, router, caller, breakers, schedule, logger } = options;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const workerId = newWorkerId();
  const aborter = new AbortController();
  let running = false;
  const leaseUntil = (timeoutMs: number) => new Date(now().getTime() + timeoutMs + options.leaseMs);

  // Fresh deliveries are leased to this process only while it has room for
  // them, so none waits here until its lease expires; the rest are claimed
  // later. `reserved` counts leases handed out since the last commit was heard.
  let reserved = 0;
  const pool = createLeasePool<DueDelivery>({
    concurrency: options.concurrency,
    pollMs: options.pollMs,
    claim: (limit) => store.claimDueDeliveries(now(), limit, { owner: workerId, until: leaseUntil(callbackTimeoutMs) }),
    nextDueAt: () => store.nextDeliveryDueAt(),
    work: (due) => attempt(due),
    key: (due) => due.delivery.id,
    reserved: () => reserved,
    noun: "delivery attempt",
    ...(logger ? { logger } : {}),
    now,
  });
  const offerLease = (timeoutMs: number): DeliveryLease | undefined => {
    if (!running) return undefined;
    if (pool.room() <= 0 || pool.backlogged()) {
      pool.leftInStore();
      return undefined;
    }
    reserved++;
    return { owner: workerId, until: leaseUntil(timeoutMs) };
  };

  const planner: DeliveryPlanner = (event) =>
    router.eventTargets(event.resourceOwner, event.type).map((target) => {
      const lease = offerLease(target.timeoutMs);
      return { id: newDeliveryId(), kind: "event" as const, targetId: target.id, endpoint: target.endpoint, ...(lease ? { lease } : {}) };
    });

  const unsubscribe = store.subscribeDeliveries((deliveries) => {
    reserved = 0;
    pool.push(deliveries.filter((due) => due.delivery.leaseOwner === workerId));
  });

  async function attempt(due: DueDelivery): Promise<void> {
    const { delivery } = due;
    const record = (outcome: Omit<DeliveryOutcome, "deliveryId" | "leaseOwner">) => {
      // Its place is free for the next claim, which then shares this outcome's commit (lease-pool.ts).
      pool.ending(delivery.id);
      return store.recordDeliveryOutcome({ deliveryId: delivery.id, leaseOwner: workerId, ...outcome });
    };
    let target: Target | undefined;
    if (delivery.targetId !== undefined) {
      target = router.target(delivery.resourceOwner, delivery.targetId);
      const gone = !target ? "the target was deleted" : target.state === "disabled" ? "the target is disabled" : undefined;
      if (gone) {
        await record({ status: "dead", attempt: { attemptedAt: now(), httpStatus: 0, latencyMs: 0, error: gone } });
        return;
      }
      const permission = breakers.canCall(target!.id);
      if (!permission.allowed) {
        await record({ status: delivery.status, nextAttemptAt: new Date(now().getTime() + permission.retryAfterMs) });
        return;
      }
    }
    const attemptedAt = now();
    const request = buildRequest(due, target, attemptedAt);
    const result: CallResult =
      "error" in request
        ? failedCall(0, { code: "network", message: request.error })
        : await caller.call(request);
    if (result.error?.code === "aborted" && aborter.signal.aborted) return; // shutting down: the lease is released
    if (target && result.error?.code !== "denied") {
      if (result.ok) breakers.recordSuccess(target.id);
      else breakers.recordFailure(target.id);
    }
    const attemptRecord = {
      attemptedAt,
      httpStatus: result.status,
      latencyMs: Math.round(result.latencyMs),
      ...(result.error && !result.ok ? { error: result.error.message } : {}),
      ...(result.body && result.body.byteLength > 0 ? { responseExcerpt: excerpt(result.body) } : {}),
    };
    if (result.ok) {
      await record({ status: "succeeded", attempt: attemptRecord });
      return;
    }
    if (result.status === 410 && target) {
      await record({ status: "dead", attempt: { ...attemptRecord, error: "the target answered 410 Gone; it is disabled" } });
      await options.onGone?.(delivery.resourceOwner, target.id, delivery.id).catch((error: unknown) =>
        logger?.error({ err: error, targetId: target.id }, "disabling a gone target failed"),
      );
      return;
    }
    const wait = schedule[delivery.roundAttempts];
    // A refused destination stays refused (the allow list is configuration): no point in retrying.
    if (wait === undefined || result.error?.code === "denied") {
      await record({ status: "dead", attempt: attemptRecord });
      return;
    }
    const delay =
      result.retryAfterMs !== undefined ? Math.min(result.retryAfterMs, maxRetryAfterMs) : Math.round(wait * (0.8 + 0.4 * random()));
    const nextAttemptAt = new Date(now().getTime() + delay);
    await record({ status: "failed", attempt: { ...attemptRecord, nextAttemptAt }, nextAttemptAt });
    pool.wakeIn(delay);
  }

  function buildRequest(
    due: DueDelivery,
    target: Target | undefined,
    attemptedAt: Date,
  ): CallRequest | { error: string } {
    const { delivery } = due;
    const payload = due.event ? eventEnvelope(due.event) : due.body !== undefined ? (JSON.parse(due.body) as JsonObject) : undefined;
    if (payload === undefined) return { error: "the delivery has no body (its event is missing)" };
    const jwt = target?.payloadType === "jwt";
    if (jwt && !options.signJwt) return { error: "no server key to sign JWT payloads with" };
    const body = jwt ? options.signJwt!(payload) : due.body ?? JSON.stringify(payload);
    const keys = target ? signingKeysOf(target, attemptedAt) : [...(options.callbackSigningKeys?.() ?? [])];
    if (keys.length === 0) return { error: "no signing key for this delivery" };
    return {
      url: target?.endpoint ?? delivery.endpoint,
      body,
      headers: { "content-type": jwt ? "application/jwt" : "application/json" },
      signing: { id: delivery.id, timestamp: Math.floor(attemptedAt.getTime() / 1000), keys },
      timeoutMs: target?.timeoutMs ?? callbackTimeoutMs,
      signal: aborter.signal,
      targetId: target?.id,
    };
  }

  return {
    planner,
    offerLease,
    workerId,
    start() {
      running = true;
      pool.start();
    },
    async stop(graceMs) {
      running = false;
      unsubscribe();
      const { drained } = await pool.stop(graceMs);
      aborter.abort();
      await drained;
      const released = await store.releaseDeliveryLeases(workerId);
      if (released > 0) logger?.info({ released }, "released delivery leases");
    },
    wake: () => pool.wake(),
    stats: () => {
      const { working, queued } = pool.stats();
      return { inFlight: working, queued };
    },
  };
}

function excerpt(body: Uint8Array): string {
  return Buffer.from(body.subarray(0, excerptBytes)).toString("utf8").replace(/\uFFFD+$/, "");
}
