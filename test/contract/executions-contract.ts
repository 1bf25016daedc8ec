/** Contract: the executions read model and its queries. */
import { describe, expect, it } from "vitest";
import { type Condition, conditionKey, functionKey } from "../../server/domain/condition.js";
import type { ExecutionFilter, ExecutionQuery, Store } from "../../server/store/store.js";
import {
  type StoreFactory,
  addTarget,
  functionCondition,
  includeElement,
  nextMillisecond,
  ownerA,
  ownerB,
  page,
  setExecution,
  targetElement,
  targetSpec,
  useFreshStore,
} from "./fixtures.js";

const getTargetMethod: Condition = { type: "request", scope: "method", name: "/switchyard.v1.TargetService/GetTarget" };
const jobGroup: Condition = { type: "event", scope: "group", name: "job" };
const allResponses: Condition = { type: "response", scope: "all", name: "" };

/** Four executions of owner A created in this order (distinct times), one of owner B. */
async function seedExecutions(store: Store): Promise<void> {
  await setExecution(store, functionCondition("enrich"), [targetElement("t1"), targetElement("t2")]);
  await nextMillisecond();
  await setExecution(store, getTargetMethod, [includeElement(functionKey("enrich")), targetElement("t3")]);
  await nextMillisecond();
  await setExecution(store, jobGroup, [targetElement("t2")]);
  await nextMillisecond();
  await setExecution(store, functionCondition("audit"), [includeElement(functionKey("enrich"))]);
  await setExecution(store, functionCondition("enrich"), [targetElement("t1")], ownerB);
}

function executionQuery(filters: readonly ExecutionFilter[], overrides: Partial<ExecutionQuery> = {}): ExecutionQuery {
  return { page: page(), filters, ...overrides };
}

export function describeExecutionsContract(createStore: StoreFactory): void {
  describe("executions", () => {
    const fresh = useFreshStore(createStore);
    const keys = async (filters: readonly ExecutionFilter[]): Promise<string[]> =>
      (await fresh.store.listExecutions(ownerA, executionQuery(filters))).items.map((execution) => execution.key);

    it("projects execution.set with the condition, the ordered elements and details", async () => {
      const { store } = fresh;
      const elements = [targetElement("t2"), includeElement(functionKey("other")), targetElement("t1")];

      const [set] = await setExecution(store, getTargetMethod, elements);

      expect(await store.getExecution(ownerA, conditionKey(getTargetMethod))).toEqual({
        key: "request:method:/switchyard.v1.TargetService/GetTarget",
        condition: getTargetMethod,
        elements,
        createdAt: set!.createdAt,
        details: { sequence: 1n, changeDate: set!.createdAt, resourceOwner: ownerA },
      });
    });

    it("upserts on a second execution.set, keeping created_at", async () => {
      const { store } = fresh;
      const [first] = await setExecution(store, allResponses, [targetElement("t1")]);
      await nextMillisecond();

      const [second] = await setExecution(store, allResponses, [targetElement("t2"), targetElement("t1")]);

      const execution = await store.getExecution(ownerA, "response:all");
      expect(execution?.elements).toEqual([targetElement("t2"), targetElement("t1")]);
      expect(execution?.createdAt).toEqual(first!.createdAt);
      expect(execution?.details).toEqual({ sequence: 2n, changeDate: second!.createdAt, resourceOwner: ownerA });
      expect((await store.listExecutions(ownerA, executionQuery([]))).total).toBe(1);
    });

    it("projects execution.removed by deleting the row; a later set starts a new row", async () => {
      const { store } = fresh;
      await setExecution(store, jobGroup, [targetElement("t1")]);

      await setExecution(store, jobGroup, []);

      expect(await store.getExecution(ownerA, conditionKey(jobGroup))).toBeUndefined();
      expect(await keys([{ kind: "target", targetId: "t1" }])).toEqual([]);
      await nextMillisecond();
      const [again] = await setExecution(store, jobGroup, [targetElement("t2")]);
      const execution = await store.getExecution(ownerA, conditionKey(jobGroup));
      expect(execution?.createdAt).toEqual(again!.createdAt);
      expect(execution?.details.sequence).toBe(3n);
    });

    it("lists by creation, ascending or descending, with totals and pages", async () => {
      await seedExecutions(fresh.store);
      const ascending = ["function:name:enrich", conditionKey(getTargetMethod), "event:group:job", "function:name:audit"];

      const all = await fresh.store.listExecutions(ownerA, executionQuery([]));
      expect(all.items.map((execution) => execution.key)).toEqual(ascending);
      expect(all.total).toBe(4);
      const descending = await fresh.store.listExecutions(ownerA, executionQuery([], { page: page({ asc: false }) }));
      expect(descending.items.map((execution) => execution.key)).toEqual([...ascending].reverse());
      const second = await fresh.store.listExecutions(ownerA, executionQuery([], { page: page({ offset: 1, limit: 2 }) }));
      expect(second.items.map((execution) => execution.key)).toEqual(ascending.slice(1, 3));
      expect(second.total).toBe(4);
    });

    it("filters by condition keys, type, direct target and direct include, combined by AND", async () => {
      await seedExecutions(fresh.store);

      expect(await keys([{ kind: "conditions", keys: ["event:group:job", "function:name:audit", "event:all"] }])).toEqual([
        "event:group:job",
        "function:name:audit",
      ]);
      expect(await keys([{ kind: "conditions", keys: [] }])).toEqual([]);
      expect(await keys([{ kind: "type", type: "function" }])).toEqual(["function:name:enrich", "function:name:audit"]);
      expect(await keys([{ kind: "type", type: "response" }])).toEqual([]);
      expect(await keys([{ kind: "target", targetId: "t2" }])).toEqual(["function:name:enrich", "event:group:job"]);
      expect(await keys([{ kind: "target", targetId: "t9" }])).toEqual([]);
      expect(await keys([{ kind: "include", key: functionKey("enrich") }])).toEqual([
        conditionKey(getTargetMethod),
        "function:name:audit",
      ]);
      expect(
        await keys([
          { kind: "include", key: functionKey("enrich") },
          { kind: "type", type: "function" },
        ]),
      ).toEqual(["function:name:audit"]);
      const filtered = await fresh.store.listExecutions(
        ownerA,
        executionQuery([{ kind: "target", targetId: "t2" }], { page: page({ limit: 1 }) }),
      );
      expect(filtered).toMatchObject({ total: 2, items: [{ key: "function:name:enrich" }] });
    });

    it("keeps the target and include filters in step with upserts", async () => {
      await seedExecutions(fresh.store);

      await setExecution(fresh.store, functionCondition("enrich"), [targetElement("t4")]);
      await setExecution(fresh.store, getTargetMethod, [targetElement("t3")]);

      expect(await keys([{ kind: "target", targetId: "t1" }])).toEqual([]);
      expect(await keys([{ kind: "target", targetId: "t4" }])).toEqual(["function:name:enrich"]);
      expect(await keys([{ kind: "include", key: functionKey("enrich") }])).toEqual(["function:name:audit"]);
    });

    it("answers every execution of the owner and its distinct function names, sorted", async () => {
      await seedExecutions(fresh.store);

      const all = (await fresh.store.listExecutions(ownerA, executionQuery([], { page: page({ asc: true }) }))).items;
      expect(all.map((execution) => execution.key)).toEqual([
        "function:name:enrich",
        conditionKey(getTargetMethod),
        "event:group:job",
        "function:name:audit",
      ]);
      expect(all[1]?.elements).toEqual([includeElement(functionKey("enrich")), targetElement("t3")]);
      expect(await fresh.store.includeGraph(ownerA)).toEqual(
        new Map([
          [functionKey("audit"), [functionKey("enrich")]],
          [conditionKey(getTargetMethod), [functionKey("enrich")]],
        ]),
      );
      expect(await fresh.store.includeGraph(ownerB)).toEqual(new Map());
      expect(await fresh.store.executionFunctionNames(ownerA)).toEqual(["audit", "enrich"]);
      expect(await fresh.store.executionFunctionNames(ownerB)).toEqual(["enrich"]);
      expect(await fresh.store.executionFunctionNames("owner-without-executions")).toEqual([]);
    });
    it("answers a routing snapshot of every owner's targets and executions", async () => {
      await seedExecutions(fresh.store);
      await addTarget(fresh.store, "t1", targetSpec("first"), ownerA);
      await addTarget(fresh.store, "t1", targetSpec("first"), ownerB);

      const snapshot = await fresh.store.routingSnapshot();

      const owned = (items: { details: { resourceOwner: string } }[], key: (item: never) => string) =>
        items.map((item) => `${item.details.resourceOwner}/${key(item as never)}`).sort();
      expect(owned(snapshot.targets, (t: { id: string }) => t.id)).toEqual([`${ownerA}/t1`, `${ownerB}/t1`]);
      expect(owned(snapshot.executions, (e: { key: string }) => e.key)).toEqual(
        [
          `${ownerA}/event:group:job`,
          `${ownerA}/function:name:audit`,
          `${ownerA}/function:name:enrich`,
          `${ownerA}/${conditionKey(getTargetMethod)}`,
          `${ownerB}/function:name:enrich`,
        ].sort(),
      );
      expect(snapshot.targets[0]?.signingKey).toMatch(/^whsec_/);
    });
  });
}
