/** Contract: what was committed survives a restart; migrations run once. */
import { describe, expect, it } from "vitest";
import { functionKey } from "../../server/domain/condition.js";
import {
  type StoreFactory,
  addTarget,
  appendEvents,
  changeTarget,
  functionCondition,
  orderEvent,
  ownerA,
  page,
  setExecution,
  targetElement,
  targetSpec,
  useFreshStore,
} from "./fixtures.js";

export function describeDurabilityContract(createStore: StoreFactory): void {
  describe("durability", () => {
    const fresh = useFreshStore(createStore);

    it("keeps events and projections across close and reopen, and continues the numbering", async (context) => {
      const { store, harness } = fresh;
      if (!harness.reopen) return context.skip("the backend cannot reopen its database");
      await addTarget(store, "t1", targetSpec("alpha"));
      await changeTarget(store, "t1", {
        rotation: { newKey: "whsec_new", previousKeyExpiresAt: new Date("2031-05-06T07:08:09.010Z") },
      });
      await setExecution(store, functionCondition("enrich"), [targetElement("t1")]);
      await appendEvents(store, [orderEvent("o1", "order.placed", { total: 3 })]);
      const target = await store.getTarget(ownerA, "t1");
      const execution = await store.getExecution(ownerA, functionKey("enrich"));
      const events = await store.listEvents(ownerA, {}, page());
      await store.close();

      const reopened = await harness.reopen();

      expect(await reopened.getTarget(ownerA, "t1")).toEqual(target);
      expect(await reopened.getExecution(ownerA, functionKey("enrich"))).toEqual(execution);
      expect(await reopened.listEvents(ownerA, {}, page())).toEqual(events);
      expect(await reopened.lastPosition()).toBe(4n);
      const [next] = await appendEvents(reopened, [orderEvent("o1", "order.shipped")]);
      expect(next).toMatchObject({ position: 5n, sequence: 2n });
    });

    it("applies migrations once: reopening records nothing new", async (context) => {
      const { store, harness } = fresh;
      if (!harness.reopen || !harness.appliedMigrations) {
        return context.skip("the backend cannot reopen or show its migrations");
      }
      await store.close();
      const before = await harness.appliedMigrations();

      const reopened = await harness.reopen();
      await reopened.close();

      expect(before.length).toBeGreaterThan(0);
      expect(before.map((migration) => migration.version)).toEqual(before.map((_, index) => index + 1));
      expect(await harness.appliedMigrations()).toEqual(before);
    });
  });
}
