/** Helpers shared by the delivery contract suites. */
import {
  type DeliveryAttempt,
  type DeliveryLease,
  type DeliveryPlanner,
  type DeliveryStatus,
  type DueDelivery,
  type NewDelivery,
  newDeliveryId,
} from "../../server/domain/delivery.js";
import type { NewEvent } from "../../server/domain/events.js";
import type { Store } from "../../server/store/store.js";
import { actorOf, ownerA } from "./fixtures.js";

/** A callback delivery with a JSON body. */
export function callback(overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    id: newDeliveryId(),
    kind: "callback",
    endpoint: "https://callback.example/done",
    body: '{"done":true}',
    ...overrides,
  };
}

/** An async call to target `targetId`. */
export function asyncCall(targetId: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return callback({ kind: "async_call", targetId, endpoint: `https://${targetId}.example/async`, ...overrides });
}

/** Plans one event delivery to each of `targetIds` for events of `type`, and none for the others. */
export function plannerFor(type: string, targetIds: readonly string[]): DeliveryPlanner {
  return (event) =>
    event.type !== type
      ? []
      : targetIds.map((targetId) => ({
          id: newDeliveryId(),
          kind: "event",
          targetId,
          endpoint: `https://${targetId}.example/events`,
        }));
}

/** Appends `events` (possibly none) together with `deliveries` for `owner`. */
export async function writeDeliveries(
  store: Store,
  deliveries: readonly NewDelivery[],
  owner = ownerA,
  events: readonly NewEvent[] = [],
): Promise<void> {
  await store.append({ actor: actorOf(owner), events, expectations: [], deliveries });
}

/** A time `ms` from now. */
export function inMs(ms: number): Date {
  return new Date(Date.now() + ms);
}

/** A lease for `owner` until `until` (default: an hour from now). */
export function leaseOf(owner: string, until: Date = inMs(3_600_000)): DeliveryLease {
  return { owner, until };
}

/** Claims everything due within the next minute for `worker`. */
export async function claimAll(store: Store, worker = "worker-1"): Promise<DueDelivery[]> {
  return store.claimDueDeliveries(inMs(60_000), 1000, leaseOf(worker));
}

/** An attempt answered with `httpStatus` at `attemptedAt`. */
export function attemptOf(httpStatus: number, attemptedAt: Date = new Date(), extra: Partial<DeliveryAttempt> = {}) {
  return { attemptedAt, httpStatus, latencyMs: 12, ...extra };
}

/** Records, as `worker`, that delivery `id` succeeded at its first try; answers whether it was recorded. */
export async function succeed(store: Store, id: string, worker: string): Promise<boolean> {
  return store.recordDeliveryOutcome({ deliveryId: id, leaseOwner: worker, attempt: attemptOf(200), status: "succeeded" });
}

/** Claims delivery `id` (and whatever else is due) and records one attempt that leaves it `status`. */
export async function attemptOnce(store: Store, id: string, status: DeliveryStatus, nextAttemptAt?: Date): Promise<void> {
  const claimed = await claimAll(store, "settler");
  if (!claimed.some((due) => due.delivery.id === id)) throw new Error(`delivery ${id} was not due`);
  const recorded = await store.recordDeliveryOutcome({
    deliveryId: id,
    leaseOwner: "settler",
    attempt: attemptOf(status === "succeeded" ? 200 : 500),
    status,
    ...(nextAttemptAt ? { nextAttemptAt } : {}),
  });
  if (!recorded) throw new Error(`the outcome of ${id} was not recorded`);
  await store.releaseDeliveryLeases("settler");
}
