/** Contract: listEvents and readEventsAfter. */
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../server/domain/events.js";
import type { EventFilter, Store } from "../../server/store/store.js";
import {
  type StoreFactory,
  appendEvents,
  nextMillisecond,
  orderEvent,
  ownerA,
  ownerB,
  page,
  useFreshStore,
} from "./fixtures.js";

/**
 * Owner A: positions 1, 3, 4, 5, 6 in three appends at three distinct times
 * (1 | 3 4 | 5 6); owner B: position 2.
 */
async function seedEvents(store: Store): Promise<StoredEvent[][]> {
  const first = await appendEvents(store, [orderEvent("o1", "order.placed", { total: 10 })]);
  await appendEvents(store, [orderEvent("o1", "order.placed")], ownerB);
  await nextMillisecond();
  const second = await appendEvents(store, [orderEvent("o1", "order.shipped"), orderEvent("o2", "order.placed")]);
  await nextMillisecond();
  const third = await appendEvents(store, [
    { aggregateType: "invoice", aggregateId: "i1", type: "invoice.issued", payload: { order: "o1" } },
    orderEvent("o2", "order.cancelled"),
  ]);
  return [first, second, third];
}

export function describeEventsContract(createStore: StoreFactory): void {
  describe("event reads", () => {
    const fresh = useFreshStore(createStore);
    const positions = async (filter: EventFilter, asc = true): Promise<bigint[]> =>
      (await fresh.store.listEvents(ownerA, filter, page({ asc }))).items.map((event) => event.position);

    it("lists the owner's events newest first, or oldest first when asked", async () => {
      const [first, second, third] = await seedEvents(fresh.store);

      const newest = await fresh.store.listEvents(ownerA, {}, page({ asc: false }));
      expect(newest.items).toEqual([...first!, ...second!, ...third!].reverse());
      expect(newest.total).toBe(5);
      expect(await positions({})).toEqual([1n, 3n, 4n, 5n, 6n]);
      expect((await fresh.store.listEvents(ownerB, {}, page())).items.map((event) => event.position)).toEqual([2n]);
    });

    it("filters by aggregate type, aggregate id and event types", async () => {
      await seedEvents(fresh.store);

      expect(await positions({ aggregateType: "order" })).toEqual([1n, 3n, 4n, 6n]);
      expect(await positions({ aggregateType: "order", aggregateId: "o2" })).toEqual([4n, 6n]);
      expect(await positions({ aggregateId: "i1" })).toEqual([5n]);
      expect(await positions({ types: ["order.placed", "invoice.issued"] })).toEqual([1n, 4n, 5n]);
      expect(await positions({ types: ["order.placed"], aggregateId: "o1" })).toEqual([1n]);
      expect(await positions({ types: ["order.refunded"] })).toEqual([]);
      expect(await positions({ types: [] })).toEqual([1n, 3n, 4n, 5n, 6n]);
    });

    it("filters by position (inclusive) and creation time (from inclusive, to exclusive)", async () => {
      const [first, second] = await seedEvents(fresh.store);
      const secondTime = second![0]!.createdAt;

      expect(await positions({ fromPosition: 4n })).toEqual([4n, 5n, 6n]);
      expect(await positions({ createdFrom: secondTime })).toEqual([3n, 4n, 5n, 6n]);
      expect(await positions({ createdTo: secondTime })).toEqual([1n]);
      expect(await positions({ createdFrom: first![0]!.createdAt, createdTo: new Date(secondTime.getTime() + 1) })).toEqual([
        1n,
        3n,
        4n,
      ]);
      expect(await positions({ createdFrom: secondTime, fromPosition: 4n }, false)).toEqual([6n, 5n, 4n]);
    });

    it("pages and counts the total of the filtered events", async () => {
      await seedEvents(fresh.store);

      const result = await fresh.store.listEvents(ownerA, { aggregateType: "order" }, page({ offset: 1, limit: 2, asc: false }));

      expect(result.items.map((event) => event.position)).toEqual([4n, 3n]);
      expect(result.total).toBe(4);
      expect(await fresh.store.listEvents(ownerA, {}, page({ offset: 5 }))).toEqual({ items: [], total: 5 });
    });

    it("reads events after a position, ascending, up to a limit, with filters", async () => {
      const [first, second, third] = await seedEvents(fresh.store);
      const read = (after: bigint, filter: EventFilter, limit: number) =>
        fresh.store.readEventsAfter(ownerA, after, filter, limit);

      expect(await read(0n, {}, 100)).toEqual([...first!, ...second!, ...third!]);
      expect((await read(3n, {}, 100)).map((event) => event.position)).toEqual([4n, 5n, 6n]);
      expect((await read(1n, {}, 2)).map((event) => event.position)).toEqual([3n, 4n]);
      expect((await read(1n, { aggregateType: "order" }, 100)).map((event) => event.position)).toEqual([3n, 4n, 6n]);
      expect((await read(0n, { types: ["order.placed"] }, 100)).map((event) => event.position)).toEqual([1n, 4n]);
      expect(await read(6n, {}, 100)).toEqual([]);
      expect((await fresh.store.readEventsAfter(ownerB, 0n, {}, 100)).map((event) => event.position)).toEqual([2n]);
    });

    it("answers the highest position of all owners", async () => {
      expect(await fresh.store.lastPosition()).toBe(0n);
      await seedEvents(fresh.store);
      await appendEvents(fresh.store, [orderEvent("o7")], ownerB);

      expect(await fresh.store.lastPosition()).toBe(7n);
    });
  });
}
