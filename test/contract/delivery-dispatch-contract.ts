/** Contract: what dispatchers do with the outbox — claim, record, release, redeliver. */
import { describe, expect, it } from "vitest";
import {
  asyncCall,
  attemptOf,
  attemptOnce,
  callback,
  claimAll,
  inMs,
  leaseOf,
  plannerFor,
  succeed,
  writeDeliveries,
} from "./delivery-fixtures.js";
import { type StoreFactory, appendEvents, orderEvent, ownerA, page, useFreshStore } from "./fixtures.js";

export function describeDeliveryDispatchContract(createStore: StoreFactory): void {
  describe("delivery dispatch", () => {
    const fresh = useFreshStore(createStore);

    it("leases due deliveries with what they carry; another dispatcher gets none of them until the lease ends", async () => {
      const { store } = fresh;
      store.setDeliveryPlanner(plannerFor("order.placed", ["t1"]));
      const [placed] = await appendEvents(store, [orderEvent("o1", "order.placed", { total: 3 })]);
      const done = callback();
      await writeDeliveries(store, [done]);
      const until = inMs(30_000);

      const claimed = await store.claimDueDeliveries(inMs(1_000), 10, leaseOf("worker-1", until));

      expect(claimed).toHaveLength(2);
      expect(claimed[0]).toEqual({
        delivery: expect.objectContaining({ kind: "event", leaseOwner: "worker-1", leaseUntil: until }),
        event: placed,
      });
      expect(claimed[1]).toEqual({ delivery: expect.objectContaining({ id: done.id, leaseOwner: "worker-1" }), body: done.body });
      expect(await store.claimDueDeliveries(inMs(1_000), 10, leaseOf("worker-2"))).toEqual([]);
      const reclaimed = await store.claimDueDeliveries(until, 10, leaseOf("worker-2"));
      expect(reclaimed.map((due) => due.delivery.leaseOwner)).toEqual(["worker-2", "worker-2"]);
      expect((await store.getDelivery(ownerA, done.id))?.version).toBe(1);
    });

    it("hands each delivery to one of several concurrent claims", async () => {
      const { store } = fresh;
      await writeDeliveries(store, [callback(), callback(), callback(), callback(), callback()]);

      const claims = await Promise.all(
        ["w1", "w2", "w3"].map((worker) => store.claimDueDeliveries(inMs(1_000), 2, leaseOf(worker))),
      );

      const ids = claims.flat().map((due) => due.delivery.id);
      expect(ids).toHaveLength(5);
      expect(new Set(ids).size).toBe(5);
    });

    it("claims the earliest due first, up to the limit, and nothing not yet due", async () => {
      const { store } = fresh;
      const [late, middle, early] = [callback(), callback(), callback()];
      await writeDeliveries(store, [late, middle, early]);
      const base = Date.now();
      await claimAll(store);
      for (const [delivery, dueIn] of [[late, 30_000], [early, 10_000], [middle, 20_000]] as const) {
        await store.recordDeliveryOutcome({
          deliveryId: delivery.id,
          leaseOwner: "worker-1",
          attempt: attemptOf(503),
          status: "failed",
          nextAttemptAt: new Date(base + dueIn),
        });
      }

      const notYet = await store.claimDueDeliveries(new Date(base + 5_000), 5, leaseOf("worker-2"));
      const first = await store.claimDueDeliveries(new Date(base + 25_000), 1, leaseOf("worker-2"));
      const rest = await store.claimDueDeliveries(new Date(base + 40_000), 5, leaseOf("worker-2"));

      expect(notYet).toEqual([]);
      expect(first.map((due) => due.delivery.id)).toEqual([early.id]);
      expect(rest.map((due) => due.delivery.id)).toEqual([middle.id, late.id]);
      expect(await store.claimDueDeliveries(new Date(base + 40_000), 5, leaseOf("worker-3"))).toEqual([]);
    });

    it("records an outcome only from the lease holder, numbering attempts and releasing the lease", async () => {
      const { store } = fresh;
      const call = asyncCall("t1");
      await writeDeliveries(store, [call]);
      await claimAll(store, "worker-1");
      const retryAt = inMs(5_000);
      const attempt = attemptOf(503, new Date(), { error: "upstream busy", responseExcerpt: "try later" });

      const outcome = (leaseOwner: string) => ({ deliveryId: call.id, leaseOwner, attempt });

      const byOther = await store.recordDeliveryOutcome({ ...outcome("worker-2"), status: "succeeded" });
      const byHolder = await store.recordDeliveryOutcome({ ...outcome("worker-1"), status: "failed", nextAttemptAt: retryAt });
      const again = await store.recordDeliveryOutcome({ ...outcome("worker-1"), status: "succeeded" });

      expect([byOther, byHolder, again]).toEqual([false, true, false]);
      const delivery = await store.getDelivery(ownerA, call.id);
      expect(delivery).toMatchObject({ status: "failed", attemptCount: 1, roundAttempts: 1, nextAttemptAt: retryAt, version: 2 });
      expect(delivery?.leaseOwner).toBeUndefined();
      expect(delivery?.updatedAt.getTime()).toBeGreaterThanOrEqual(delivery!.createdAt.getTime());
      expect(delivery?.attempts).toEqual([{ number: 1, ...attempt, nextAttemptAt: retryAt }]);
    });

    it("records many outcomes at once; a write that fails beside them takes none of them along", async () => {
      const { store } = fresh;
      const deliveries = Array.from({ length: 50 }, () => callback());
      await writeDeliveries(store, deliveries);
      await claimAll(store);
      const duplicate = callback({ id: deliveries[0]!.id });

      const [recorded, failed] = await Promise.all([
        Promise.all(deliveries.map((delivery) => succeed(store, delivery.id, "worker-1"))),
        writeDeliveries(store, [callback(), duplicate]).then(
          () => "written",
          () => "failed",
        ),
      ]);

      expect(recorded.every((outcome) => outcome)).toBe(true);
      expect(failed).toBe("failed");
      expect(await store.deliveryCounts()).toEqual({ pending: 0, succeeded: 50, failed: 0, dead: 0 });
    });

    it("lists attempts oldest first; a postponement uses no attempt and a terminal status clears the due time", async () => {
      const { store } = fresh;
      const call = asyncCall("t1");
      await writeDeliveries(store, [call]);
      type Step = { status: "pending" | "failed" | "succeeded"; httpStatus?: number; nextAttemptAt?: Date };
      const record = async ({ httpStatus, ...rest }: Step) => {
        await claimAll(store);
        const attempt = httpStatus === undefined ? {} : { attempt: attemptOf(httpStatus) };
        const recorded = await store.recordDeliveryOutcome({ deliveryId: call.id, leaseOwner: "worker-1", ...attempt, ...rest });
        expect(recorded).toBe(true);
      };

      await record({ status: "failed", httpStatus: 500, nextAttemptAt: new Date() });
      await record({ status: "pending", nextAttemptAt: new Date() });
      await record({ status: "failed", httpStatus: 502, nextAttemptAt: new Date() });
      await record({ status: "succeeded", httpStatus: 204 });

      const delivery = await store.getDelivery(ownerA, call.id);
      expect(delivery).toMatchObject({ status: "succeeded", attemptCount: 3, roundAttempts: 3, version: 5 });
      expect(delivery?.nextAttemptAt).toBeUndefined();
      expect(delivery?.attempts?.map((attempt) => [attempt.number, attempt.httpStatus])).toEqual([[1, 500], [2, 502], [3, 204]]);
      expect(await claimAll(store)).toEqual([]);
    });

    it("releases a dispatcher's leases, so another may claim them at once", async () => {
      const { store } = fresh;
      await writeDeliveries(store, [callback(), callback()]);
      await writeDeliveries(store, [callback({ lease: leaseOf("worker-2") })]);
      await store.claimDueDeliveries(inMs(1_000), 10, leaseOf("worker-1"));

      expect(await store.releaseDeliveryLeases("worker-1")).toBe(2);
      expect(await store.releaseDeliveryLeases("worker-1")).toBe(0);
      expect(await store.claimDueDeliveries(inMs(1_000), 10, leaseOf("worker-3"))).toHaveLength(2);
    });

    it("tells when the next delivery falls due, a leased one when its lease ends", async () => {
      const { store } = fresh;
      expect(await store.nextDeliveryDueAt()).toBeUndefined();
      const leaseEnd = inMs(600_000);
      const leased = callback({ lease: leaseOf("worker-1", leaseEnd) });
      await writeDeliveries(store, [leased]);
      expect(await store.nextDeliveryDueAt()).toEqual(leaseEnd);

      const free = callback();
      await writeDeliveries(store, [free]);
      expect(await store.nextDeliveryDueAt()).toEqual((await store.getDelivery(ownerA, free.id))?.createdAt);

      const retryAt = inMs(5_000);
      await attemptOnce(store, free.id, "failed", retryAt);
      expect(await store.nextDeliveryDueAt()).toEqual(retryAt);
      expect(await succeed(store, leased.id, "worker-1")).toBe(true);
      await attemptOnce(store, free.id, "dead");
      expect(await store.nextDeliveryDueAt()).toBeUndefined();
    });

    it("redelivers one delivery by id whatever its status: pending now, a fresh schedule, past attempts kept", async () => {
      const { store } = fresh;
      const call = asyncCall("t1");
      await writeDeliveries(store, [call]);
      await attemptOnce(store, call.id, "succeeded");
      const now = inMs(1_000);

      expect(await store.redeliver(ownerA, { kind: "id", id: call.id }, now)).toBe(1);
      expect(await store.redeliver(ownerA, { kind: "id", id: "msg_missing" }, now)).toBe(0);

      const delivery = await store.getDelivery(ownerA, call.id);
      expect(delivery).toMatchObject({
        status: "pending",
        roundAttempts: 0,
        attemptCount: 1,
        nextAttemptAt: now,
        updatedAt: now,
        version: 3,
      });
      expect(delivery?.attempts).toHaveLength(1);
      expect((await store.claimDueDeliveries(now, 10, leaseOf("worker-2"))).map((due) => due.delivery.id)).toEqual([call.id]);
    });

    it("takes the lease away from a delivery redelivered while in flight", async () => {
      const { store } = fresh;
      const call = asyncCall("t1", { lease: leaseOf("worker-1") });
      await writeDeliveries(store, [call]);

      await store.redeliver(ownerA, { kind: "id", id: call.id }, new Date());

      expect((await store.getDelivery(ownerA, call.id))?.leaseOwner).toBeUndefined();
      expect(await succeed(store, call.id, "worker-1")).toBe(false);
    });

    it("redelivers the dead deliveries of a target created in a range, and counts deliveries by status", async () => {
      const { store } = fresh;
      const [early, inRange, otherTarget, alive] = [asyncCall("t1"), asyncCall("t1"), asyncCall("t2"), asyncCall("t1")];
      await writeDeliveries(store, [early]);
      const from = new Date((await store.getDelivery(ownerA, early.id))!.createdAt.getTime() + 1);
      while (Date.now() < from.getTime()) await new Promise((resolve) => setTimeout(resolve, 1));
      await writeDeliveries(store, [inRange, otherTarget, alive]);
      for (const delivery of [early, inRange, otherTarget]) await attemptOnce(store, delivery.id, "dead");
      expect(await store.deliveryCounts()).toEqual({ pending: 1, succeeded: 0, failed: 0, dead: 3 });

      const selector = { kind: "dead", targetId: "t1", createdFrom: from, createdTo: inMs(60_000) } as const;
      const count = await store.redeliver(ownerA, selector, new Date());

      expect(count).toBe(1);
      const statuses = await store.listDeliveries(ownerA, { statuses: ["pending"] }, page());
      expect(statuses.items.map((delivery) => delivery.id).sort()).toEqual([inRange.id, alive.id].sort());
      expect(await store.deliveryCounts()).toEqual({ pending: 2, succeeded: 0, failed: 0, dead: 2 });
      expect(await store.redeliver(ownerA, { kind: "dead", targetId: "t1" }, new Date())).toBe(1);
    });
  });
}
