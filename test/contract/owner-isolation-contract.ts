/** Contract: every read is scoped to one resource owner. */
import { describe, expect, it } from "vitest";
import { functionKey } from "../../server/domain/condition.js";
import {
  type StoreFactory,
  addTarget,
  appendEvents,
  functionCondition,
  orderEvent,
  ownerA,
  ownerB,
  page,
  setExecution,
  targetElement,
  targetSpec,
  useFreshStore,
} from "./fixtures.js";

export function describeOwnerIsolationContract(createStore: StoreFactory): void {
  describe("owner isolation", () => {
    const fresh = useFreshStore(createStore);

    it("shows one owner nothing of another owner's targets, executions and events", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"), ownerA);
      await setExecution(store, functionCondition("enrich"), [targetElement("t1")], ownerA);
      await appendEvents(store, [orderEvent("o1")], ownerA);

      expect(await store.getTarget(ownerB, "t1")).toBeUndefined();
      expect(await store.getTargetByName(ownerB, "alpha")).toBeUndefined();
      expect(await store.listTargets(ownerB, { page: page(), sort: "id", filters: [] })).toEqual({ items: [], total: 0 });
      expect(await store.getExecution(ownerB, functionKey("enrich"))).toBeUndefined();
      expect(await store.listExecutions(ownerB, { page: page(), filters: [] })).toEqual({ items: [], total: 0 });
      expect(
        await store.listExecutions(ownerB, { page: page(), filters: [{ kind: "target", targetId: "t1" }] }),
      ).toEqual({ items: [], total: 0 });
      expect(await store.includeGraph(ownerB)).toEqual(new Map());
      expect(await store.executionFunctionNames(ownerB)).toEqual([]);
      expect(await store.listEvents(ownerB, {}, page())).toEqual({ items: [], total: 0 });
      expect(await store.readEventsAfter(ownerB, 0n, {}, 100)).toEqual([]);
      expect(await store.aggregateSequence(ownerB, "target", "t1")).toBe(0n);
      expect(await store.aggregateSequence(ownerA, "target", "t1")).toBe(1n);
    });

    it("keeps same-id resources of two owners apart", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"), ownerA);
      await addTarget(store, "t1", targetSpec("beta"), ownerB);
      await setExecution(store, functionCondition("enrich"), [targetElement("t1")], ownerA);
      await setExecution(store, functionCondition("enrich"), [targetElement("t2"), targetElement("t1")], ownerB);

      expect((await store.getTarget(ownerA, "t1"))?.name).toBe("alpha");
      expect((await store.getTarget(ownerB, "t1"))?.details).toMatchObject({ sequence: 1n, resourceOwner: ownerB });
      expect((await store.getExecution(ownerA, functionKey("enrich")))?.elements).toEqual([targetElement("t1")]);
      expect((await store.getExecution(ownerB, functionKey("enrich")))?.elements).toHaveLength(2);
      expect(
        (await store.listExecutions(ownerA, { page: page(), filters: [{ kind: "target", targetId: "t2" }] })).total,
      ).toBe(0);
    });
  });
}
