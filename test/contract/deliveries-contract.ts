/** Contract: the delivery outbox is written with the append that causes it, and read per owner. */
import { describe, expect, it } from "vitest";
import type { DueDelivery } from "../../server/domain/delivery.js";
import type { StoredEvent } from "../../server/domain/events.js";
import {
  asyncCall,
  attemptOnce,
  callback,
  claimAll,
  inMs,
  leaseOf,
  plannerFor,
  succeed,
  writeDeliveries,
} from "./delivery-fixtures.js";
import {
  type StoreFactory,
  actorOf,
  appendEvents,
  orderEvent,
  ownerA,
  ownerB,
  page,
  rejectionOf,
  useFreshStore,
} from "./fixtures.js";

export function describeDeliveriesContract(createStore: StoreFactory): void {
  describe("delivery outbox", () => {
    const fresh = useFreshStore(createStore);

    it("writes the planner's deliveries in the event's transaction, each pointing at its event", async () => {
      const { store } = fresh;
      const asked: StoredEvent[] = [];
      const planner = plannerFor("order.placed", ["t1", "t2"]);
      store.setDeliveryPlanner((event) => {
        asked.push(event);
        return planner(event);
      });

      const [placed, shipped] = await appendEvents(store, [orderEvent("o1"), orderEvent("o1", "order.shipped")]);

      expect(asked).toEqual([placed, shipped]);
      const { items, total } = await store.listDeliveries(ownerA, {}, page());
      expect(total).toBe(2);
      expect(items.map((delivery) => delivery.targetId).sort()).toEqual(["t1", "t2"]);
      for (const delivery of items) {
        expect(delivery).toMatchObject({
          resourceOwner: ownerA,
          kind: "event",
          eventPosition: placed!.position,
          status: "pending",
          attemptCount: 0,
          roundAttempts: 0,
          version: 1,
          createdAt: placed!.createdAt,
          updatedAt: placed!.createdAt,
          nextAttemptAt: placed!.createdAt,
        });
        expect(delivery.id).toMatch(/^msg_[0-9a-f]{32}$/);
        expect(delivery.leaseOwner).toBeUndefined();
      }
    });

    it("rolls planned deliveries back with an append that fails, and keeps those of the appends beside it", async () => {
      const { store } = fresh;
      store.setDeliveryPlanner(plannerFor("order.placed", ["t1"]));
      const stale = { aggregateType: "order", aggregateId: "o2", sequence: 3n };

      const [first, failed, third] = await Promise.allSettled([
        appendEvents(store, [orderEvent("o1")]),
        store.append({ actor: actorOf(), events: [orderEvent("o2")], expectations: [stale] }),
        appendEvents(store, [orderEvent("o3")]),
      ]);

      expect([first.status, failed.status, third.status]).toEqual(["fulfilled", "rejected", "fulfilled"]);
      const { items } = await store.listDeliveries(ownerA, {}, page());
      expect(items.map((delivery) => delivery.eventPosition).sort()).toEqual([1n, 2n]);
    });

    it("fails an append whose planner throws, and writes neither its events nor its deliveries", async () => {
      const { store } = fresh;
      store.setDeliveryPlanner(() => {
        throw new Error("planner bug");
      });

      await expect(
        store.append({ actor: actorOf(), events: [orderEvent("o1")], expectations: [], deliveries: [callback()] }),
      ).rejects.toThrow("planner bug");

      expect(await store.lastPosition()).toBe(0n);
      expect((await store.listDeliveries(ownerA, {}, page())).total).toBe(0);
      store.setDeliveryPlanner(undefined);
      await appendEvents(store, [orderEvent("o1")]);
      expect(await store.lastPosition()).toBe(1n);
      expect((await store.listDeliveries(ownerA, {}, page())).total).toBe(0);
    });

    it("writes a request's own deliveries for the actor's owner, also without events (claiming no key then)", async () => {
      const { store } = fresh;
      const done = callback({ jobId: "job-1", batchId: "batch-1" });
      const call = asyncCall("t1");

      await store.append({
        actor: actorOf(ownerB),
        events: [],
        expectations: [],
        deliveries: [done, call],
        idempotency: { scope: "execute_job", key: "k-1", requestHash: "h" },
      });

      expect(await store.lastPosition()).toBe(0n);
      expect(await store.getIdempotencyRecord(ownerB, "execute_job", "k-1")).toBeUndefined();
      const { items } = await store.listDeliveries(ownerB, {}, page());
      expect(items.map((delivery) => delivery.id).sort()).toEqual([done.id, call.id].sort());
      expect(await store.getDelivery(ownerB, done.id)).toMatchObject({
        resourceOwner: ownerB,
        kind: "callback",
        endpoint: done.endpoint,
        jobId: "job-1",
        batchId: "batch-1",
        status: "pending",
        attempts: [],
      });
      expect((await store.getDelivery(ownerB, done.id))?.targetId).toBeUndefined();
    });

    it("tells delivery listeners after the commit and the event listeners, before the append resolves", async () => {
      const { store } = fresh;
      store.setDeliveryPlanner(plannerFor("order.placed", ["t1"]));
      const log: string[] = [];
      const received: DueDelivery[] = [];
      const readByListener: Promise<unknown>[] = [];
      store.subscribe(() => log.push("events"));
      store.subscribeDeliveries((deliveries) => {
        log.push("deliveries");
        received.push(...deliveries);
        readByListener.push(...deliveries.map((due) => store.getDelivery(ownerA, due.delivery.id)));
      });
      const call = asyncCall("t2", { body: '{"x":1}' });

      const appended = store.append({ actor: actorOf(), events: [orderEvent("o1")], expectations: [], deliveries: [call] });
      void appended.then(() => log.push("resolved"));
      const [placed] = await appended;

      expect(log).toEqual(["events", "deliveries", "resolved"]);
      expect(received).toHaveLength(2);
      expect(received[0]).toEqual({ delivery: expect.objectContaining({ targetId: "t1", kind: "event" }), event: placed });
      expect(received[1]).toEqual({ delivery: expect.objectContaining({ id: call.id }), body: '{"x":1}' });
      for (const seen of await Promise.all(readByListener)) expect(seen).toMatchObject({ status: "pending" });
    });

    it("tells nobody about deliveries of a failed append, nor of an append that has none", async () => {
      const { store } = fresh;
      const received: DueDelivery[] = [];
      store.subscribeDeliveries((deliveries) => received.push(...deliveries));

      await appendEvents(store, [orderEvent("o1")]);
      await rejectionOf(
        store.append({
          actor: actorOf(),
          events: [orderEvent("o1")],
          expectations: [{ aggregateType: "order", aggregateId: "o1", sequence: 0n }],
          deliveries: [callback()],
        }),
      );

      expect(received).toEqual([]);
      expect((await store.listDeliveries(ownerA, {}, page())).total).toBe(0);
    });

    it("keeps a delivery leased at creation from other dispatchers until its lease ends", async () => {
      const { store } = fresh;
      const until = inMs(60_000);
      const leased = callback({ lease: leaseOf("writer", until) });
      await writeDeliveries(store, [leased]);

      expect(await store.getDelivery(ownerA, leased.id)).toMatchObject({ leaseOwner: "writer", leaseUntil: until });
      expect(await store.claimDueDeliveries(inMs(1_000), 10, leaseOf("other"))).toEqual([]);
      const claimed = await store.claimDueDeliveries(until, 10, leaseOf("other"));
      expect(claimed.map((due) => due.delivery.id)).toEqual([leased.id]);
    });

    it("hides every delivery from other owners", async () => {
      const { store } = fresh;
      const mine = callback();
      await writeDeliveries(store, [mine], ownerA);

      expect(await store.getDelivery(ownerB, mine.id)).toBeUndefined();
      expect(await store.listDeliveries(ownerB, {}, page())).toEqual({ items: [], total: 0 });
      expect(await store.redeliver(ownerB, { kind: "id", id: mine.id }, new Date())).toBe(0);
      expect((await store.getDelivery(ownerA, mine.id))?.version).toBe(1);
    });

    it("keeps deliveries and their attempts across close and reopen", async (context) => {
      const { store, harness } = fresh;
      if (!harness.reopen) return context.skip("the backend cannot reopen its database");
      store.setDeliveryPlanner(plannerFor("order.placed", ["t1"]));
      await appendEvents(store, [orderEvent("o1")]);
      const [planned] = (await store.listDeliveries(ownerA, {}, page())).items;
      await attemptOnce(store, planned!.id, "failed", inMs(5_000));
      const before = await store.getDelivery(ownerA, planned!.id);
      await store.close();

      const reopened = await harness.reopen();

      expect(await reopened.getDelivery(ownerA, planned!.id)).toEqual(before);
      expect(before?.attempts).toHaveLength(1);
      const [due] = await claimAll(reopened);
      expect(due?.event).toEqual(await reopened.getEvent(ownerA, 1n));
      expect(await succeed(reopened, planned!.id, "worker-1")).toBe(true);
    });
  });
}
