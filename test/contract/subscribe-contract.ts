/** Contract: subscribers see committed appends, in order, and nothing else. */
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../server/domain/events.js";
import {
  type StoreFactory,
  actorOf,
  addTarget,
  appendEvents,
  orderEvent,
  ownerA,
  ownerB,
  rejectionOf,
  targetSpec,
  useFreshStore,
} from "./fixtures.js";

export function describeSubscribeContract(createStore: StoreFactory): void {
  describe("subscribe", () => {
    const fresh = useFreshStore(createStore);

    it("hands each committed append to listeners, in order, for every owner", async () => {
      const { store } = fresh;
      const received: StoredEvent[][] = [];
      store.subscribe((events) => received.push([...events]));

      const first = await appendEvents(store, [orderEvent("o1"), orderEvent("o2")], ownerA);
      const second = await appendEvents(store, [orderEvent("o1")], ownerB);

      expect(received).toEqual([first, second]);
    });

    it("notifies after the commit, so a listener reads what was appended", async () => {
      const { store } = fresh;
      const seenByListener: Promise<unknown>[] = [];
      store.subscribe(() => {
        seenByListener.push(store.getTarget(ownerA, "t1"), store.lastPosition());
      });

      await addTarget(store, "t1", targetSpec("alpha"));

      const [target, lastPosition] = await Promise.all(seenByListener);
      expect(target).toMatchObject({ id: "t1", name: "alpha" });
      expect(lastPosition).toBe(1n);
    });

    it("says nothing about a failed append", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));
      const received: StoredEvent[][] = [];
      store.subscribe((events) => received.push([...events]));

      await rejectionOf(addTarget(store, "t1", targetSpec("beta")));
      await rejectionOf(addTarget(store, "t2", targetSpec("alpha")));

      expect(received).toEqual([]);
    });

    it("keeps appending and notifying the others when a listener throws", async () => {
      const { store } = fresh;
      const received: bigint[] = [];
      store.subscribe(() => {
        throw new Error("listener bug");
      });
      store.subscribe((events) => received.push(...events.map((event) => event.position)));

      const stored = await appendEvents(store, [orderEvent("o1")]);

      expect(stored[0]?.position).toBe(1n);
      expect(received).toEqual([1n]);
      expect(await store.lastPosition()).toBe(1n);
    });

    it("stops notifying after unsubscribe, and not before", async () => {
      const { store } = fresh;
      const first: bigint[] = [];
      const second: bigint[] = [];
      const unsubscribe = store.subscribe((events) => first.push(...events.map((event) => event.position)));
      store.subscribe((events) => second.push(...events.map((event) => event.position)));

      await appendEvents(store, [orderEvent("o1")]);
      unsubscribe();
      await store.append({ actor: actorOf(), events: [orderEvent("o2")], expectations: [] });

      expect(first).toEqual([1n]);
      expect(second).toEqual([1n, 2n]);
    });
  });
}
