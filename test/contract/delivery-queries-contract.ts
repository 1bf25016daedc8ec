/** Contract: listing deliveries — filters, order by creation, pages with their total. */
import { describe, expect, it } from "vitest";
import type { NewDelivery } from "../../server/domain/delivery.js";
import { asyncCall, attemptOnce, callback, plannerFor, writeDeliveries } from "./delivery-fixtures.js";
import { type StoreFactory, appendEvents, nextMillisecond, orderEvent, ownerA, page, useFreshStore } from "./fixtures.js";

export function describeDeliveryQueriesContract(createStore: StoreFactory): void {
  describe("delivery queries", () => {
    const fresh = useFreshStore(createStore);

    /** Writes each delivery in its own millisecond, in order; answers their creation times. */
    async function writeOneByOne(deliveries: readonly NewDelivery[]): Promise<Date[]> {
      const { store } = fresh;
      const times: Date[] = [];
      for (const delivery of deliveries) {
        await nextMillisecond();
        await writeDeliveries(store, [delivery]);
        times.push((await store.getDelivery(ownerA, delivery.id))!.createdAt);
      }
      return times;
    }

    it("orders by creation, ascending or descending, and pages with the total", async () => {
      const { store } = fresh;
      const deliveries = [callback(), callback(), callback(), callback(), callback()];
      await writeOneByOne(deliveries);
      const ids = deliveries.map((delivery) => delivery.id);

      const ascending = await store.listDeliveries(ownerA, {}, page({ offset: 1, limit: 2 }));
      const descending = await store.listDeliveries(ownerA, {}, page({ asc: false, limit: 3 }));
      const beyond = await store.listDeliveries(ownerA, {}, page({ offset: 10 }));

      expect(ascending.items.map((delivery) => delivery.id)).toEqual(ids.slice(1, 3));
      expect(ascending.total).toBe(5);
      expect(descending.items.map((delivery) => delivery.id)).toEqual(ids.slice(2).reverse());
      expect(beyond).toEqual({ items: [], total: 5 });
      expect(ascending.items[0]?.attempts).toBeUndefined();
    });

    it("orders deliveries created in the same millisecond by id", async () => {
      const { store } = fresh;
      const deliveries = [callback(), callback(), callback()];
      await writeDeliveries(store, deliveries);

      const { items } = await store.listDeliveries(ownerA, {}, page());

      expect(items.map((delivery) => delivery.id)).toEqual(deliveries.map((delivery) => delivery.id).sort());
    });

    it("filters by target, status, event, job and creation range; every set filter must match", async () => {
      const { store } = fresh;
      store.setDeliveryPlanner(plannerFor("order.placed", ["t1", "t2"]));
      const [placed] = await appendEvents(store, [orderEvent("o1")]);
      store.setDeliveryPlanner(undefined);
      const [first, second, third] = [asyncCall("t1", { jobId: "job-1" }), asyncCall("t1"), callback({ jobId: "job-1" })];
      const [firstAt, , thirdAt] = await writeOneByOne([first, second, third]);
      await attemptOnce(store, second.id, "dead");
      const idsOf = async (filter: Parameters<typeof store.listDeliveries>[1]) => {
        const { items, total } = await store.listDeliveries(ownerA, filter, page());
        expect(total).toBe(items.length);
        return items.map((delivery) => delivery.id);
      };
      const planned = await idsOf({ eventPosition: placed!.position });
      const plannedForT1 = await idsOf({ eventPosition: placed!.position, targetId: "t1" });

      expect(planned).toHaveLength(2);
      expect(plannedForT1).toHaveLength(1);
      expect(await idsOf({ targetId: "t1" })).toEqual([...plannedForT1, first.id, second.id]);
      expect(await idsOf({ statuses: ["dead"] })).toEqual([second.id]);
      expect(await idsOf({ statuses: ["dead", "succeeded"], targetId: "t2" })).toEqual([]);
      expect(await idsOf({ statuses: [] })).toHaveLength(5);
      expect(await idsOf({ jobId: "job-1" })).toEqual([first.id, third.id]);
      expect(await idsOf({ jobId: "job-1", targetId: "t1" })).toEqual([first.id]);
      expect(await idsOf({ createdFrom: firstAt, createdTo: thirdAt })).toEqual([first.id, second.id]);
      expect(await idsOf({ createdFrom: thirdAt })).toEqual([third.id]);
    });
  });
}
