/** Contract: appending events — positions, sequences, expectations, atomicity. */
import { describe, expect, it } from "vitest";
import { conditionKey } from "../../server/domain/condition.js";
import { decideCreateTarget, decideUpdateTarget } from "../../server/domain/target.js";
import {
  type StoreFactory,
  actorOf,
  addTarget,
  appendEvents,
  functionCondition,
  orderEvent,
  ownerA,
  ownerB,
  page,
  rejectionOf,
  targetElement,
  targetSpec,
  useFreshStore,
} from "./fixtures.js";

export function describeAppendContract(createStore: StoreFactory): void {
  describe("append", () => {
    const fresh = useFreshStore(createStore);

    it("numbers events with global, gap-free positions across aggregates and owners", async () => {
      const { store } = fresh;
      const first = await appendEvents(store, [orderEvent("o1"), orderEvent("o2")], ownerA);
      const second = await appendEvents(store, [orderEvent("o1")], ownerB);
      const third = await appendEvents(store, [orderEvent("o1", "order.shipped")], ownerA);

      expect([...first, ...second, ...third].map((event) => event.position)).toEqual([1n, 2n, 3n, 4n]);
      expect(await store.lastPosition()).toBe(4n);
    });

    it("numbers each aggregate's events from 1, consecutively within and across appends", async () => {
      const { store } = fresh;
      const first = await appendEvents(store, [orderEvent("o1"), orderEvent("o1", "order.paid"), orderEvent("o2")]);
      const second = await appendEvents(store, [orderEvent("o1", "order.shipped")]);
      const otherType = await appendEvents(store, [{ aggregateType: "invoice", aggregateId: "o1", type: "invoice.issued", payload: {} }]);
      const otherOwner = await appendEvents(store, [orderEvent("o1")], ownerB);

      expect(first.map((event) => event.sequence)).toEqual([1n, 2n, 1n]);
      expect(second[0]?.sequence).toBe(3n);
      expect(otherType[0]?.sequence).toBe(1n);
      expect(otherOwner[0]?.sequence).toBe(1n);
      expect(await store.aggregateSequence(ownerA, "order", "o1")).toBe(3n);
      expect(await store.aggregateSequence(ownerA, "order", "o2")).toBe(1n);
      expect(await store.aggregateSequence(ownerB, "order", "o1")).toBe(1n);
      expect(await store.aggregateSequence(ownerA, "order", "missing")).toBe(0n);
    });

    it("stores owner, creator, time and payload, and reads them back unchanged", async () => {
      const { store } = fresh;
      const payload = { total: 12.5, items: [{ sku: "a", quantity: 2 }], note: "ünïcødé", gift: false, coupon: null };
      const before = Date.now();
      const [stored] = await appendEvents(store, [orderEvent("o1", "order.placed", payload)]);
      const after = Date.now();

      expect(stored).toMatchObject({
        position: 1n,
        sequence: 1n,
        aggregateType: "order",
        aggregateId: "o1",
        type: "order.placed",
        payload,
        resourceOwner: ownerA,
        creator: actorOf(ownerA).subject,
      });
      expect(stored!.createdAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(stored!.createdAt.getTime()).toBeLessThanOrEqual(after);
      expect((await store.listEvents(ownerA, {}, page())).items).toEqual([stored]);
    });

    it("accepts an append whose expectations match the current sequences", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));
      const current = (await store.getTarget(ownerA, "t1"))!;

      const [changed] = await store.append({
        actor: actorOf(),
        events: decideUpdateTarget(current, { endpoint: "https://new.example" }),
        expectations: [{ aggregateType: "target", aggregateId: "t1", sequence: 1n }],
      });

      expect(changed?.sequence).toBe(2n);
      expect(await store.aggregateSequence(ownerA, "target", "t1")).toBe(2n);
    });

    it("rejects 'must not exist' (0n) for an existing aggregate and writes nothing", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));

      const error = await rejectionOf(
        store.append({
          actor: actorOf(),
          events: [...decideCreateTarget("t1", targetSpec("beta"), "whsec_other"), orderEvent("o1")],
          expectations: [{ aggregateType: "target", aggregateId: "t1", sequence: 0n }],
        }),
      );

      expect(error.kind).toBe("aborted");
      expect(error.reason).toBe("concurrent_modification");
      expect(error.metadata).toEqual({
        aggregate_type: "target",
        aggregate_id: "t1",
        expected_sequence: "0",
        actual_sequence: "1",
      });
      expect(await store.lastPosition()).toBe(1n);
      expect(await store.aggregateSequence(ownerA, "order", "o1")).toBe(0n);
      expect((await store.getTarget(ownerA, "t1"))?.name).toBe("alpha");
      expect(await store.getTargetByName(ownerA, "beta")).toBeUndefined();
    });

    it("rejects a stale expectation on another aggregate and applies no projection", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));
      const condition = functionCondition("enrich");

      const error = await rejectionOf(
        store.append({
          actor: actorOf(),
          events: [
            {
              aggregateType: "execution",
              aggregateId: conditionKey(condition),
              type: "execution.set",
              payload: { condition, elements: [targetElement("t1")] },
            },
          ],
          expectations: [{ aggregateType: "target", aggregateId: "t1", sequence: 5n }],
        }),
      );

      expect(error.reason).toBe("concurrent_modification");
      expect(error.metadata.actual_sequence).toBe("1");
      expect(error.metadata.expected_sequence).toBe("5");
      expect(await store.getExecution(ownerA, conditionKey(condition))).toBeUndefined();
      expect((await store.listExecutions(ownerA, { page: page(), filters: [] })).total).toBe(0);
      expect(await store.lastPosition()).toBe(1n);
    });

    it("leaves no gap in positions after a failed append", async () => {
      const { store } = fresh;
      await appendEvents(store, [orderEvent("o1")]);
      await rejectionOf(
        store.append({
          actor: actorOf(),
          events: [orderEvent("o2"), orderEvent("o3")],
          expectations: [{ aggregateType: "order", aggregateId: "o1", sequence: 0n }],
        }),
      );

      const [next] = await appendEvents(store, [orderEvent("o4")]);

      expect(next?.position).toBe(2n);
      expect((await store.listEvents(ownerA, {}, page())).items.map((event) => event.aggregateId)).toEqual(["o1", "o4"]);
    });

    it("lets exactly one of several concurrent creates with the same expectation succeed", async () => {
      const { store } = fresh;
      const attempts = ["one", "two", "three", "four", "five"].map((name) =>
        store.append({
          actor: actorOf(),
          events: decideCreateTarget("t1", targetSpec(name), `whsec_${name}`),
          expectations: [{ aggregateType: "target", aggregateId: "t1", sequence: 0n }],
        }),
      );

      const results = await Promise.allSettled(attempts);

      const fulfilled = results.filter((result) => result.status === "fulfilled");
      const rejected = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(4);
      for (const reason of rejected) expect(reason).toMatchObject({ kind: "aborted", reason: "concurrent_modification" });
      const winner = fulfilled[0]!.value[0]!;
      expect((await store.getTarget(ownerA, "t1"))?.name).toBe(winner.payload.name);
      expect((await store.listEvents(ownerA, {}, page())).total).toBe(1);
    });

    it("lets exactly one of several concurrent updates from the same sequence succeed", async () => {
      const { store } = fresh;
      await addTarget(store, "t1", targetSpec("alpha"));
      const current = (await store.getTarget(ownerA, "t1"))!;
      const attempts = [1, 2, 3].map((index) =>
        store.append({
          actor: actorOf(),
          events: decideUpdateTarget(current, { endpoint: `https://e${index}.example` }),
          expectations: [{ aggregateType: "target", aggregateId: "t1", sequence: 1n }],
        }),
      );

      const results = await Promise.allSettled(attempts);

      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
      expect(await store.aggregateSequence(ownerA, "target", "t1")).toBe(2n);
    });

    it("commits concurrent appends independently: one that fails takes nothing of the others with it", async () => {
      const { store } = fresh;
      const seen: bigint[] = [];
      store.subscribe((events) => seen.push(...events.map((event) => event.position)));
      const stale = { aggregateType: "order", aggregateId: "o2", sequence: 5n };

      const [first, failed, third] = await Promise.allSettled([
        appendEvents(store, [orderEvent("o1")]),
        store.append({ actor: actorOf(ownerA), events: [orderEvent("o2")], expectations: [stale] }),
        appendEvents(store, [orderEvent("o3"), orderEvent("o3", "order.paid")]),
      ]);

      expect(first.status).toBe("fulfilled");
      expect(third.status).toBe("fulfilled");
      expect(failed.status).toBe("rejected");
      expect((failed as PromiseRejectedResult).reason).toMatchObject({ reason: "concurrent_modification" });
      const positions = [first, third].flatMap((r) => (r as PromiseFulfilledResult<{ position: bigint }[]>).value.map((e) => e.position));
      expect(positions).toEqual([1n, 2n, 3n]);
      expect(seen).toEqual([1n, 2n, 3n]);
      expect(await store.aggregateSequence(ownerA, "order", "o2")).toBe(0n);
    });

    it("claims an idempotency key in the same transaction: once per owner and scope, concurrent duplicates included", async () => {
      const { store } = fresh;
      const claim = { scope: "push_event", key: "k-1", requestHash: "hash-a" };
      const keyed = (owner: string) =>
        store.append({ actor: actorOf(owner), events: [orderEvent("o1")], expectations: [], idempotency: claim });

      const outcomes = await Promise.allSettled([keyed(ownerA), keyed(ownerA), keyed(ownerA), keyed(ownerB)]);

      expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ kind: "already_exists", reason: "idempotency_key_taken" });
      const record = await store.getIdempotencyRecord(ownerA, "push_event", "k-1");
      expect(record).toMatchObject({ requestHash: "hash-a", position: 1n });
      expect(await store.getEvent(ownerA, record!.position)).toMatchObject({ aggregateId: "o1", resourceOwner: ownerA });
      expect(await store.getEvent(ownerB, record!.position)).toBeUndefined();
      expect(await store.getIdempotencyRecord(ownerA, "other_scope", "k-1")).toBeUndefined();
      expect(await store.lastPosition()).toBe(2n);
    });

    it("keeps the server's signing keys, newest first, retiring the others when one is added", async () => {
      const { store } = fresh;
      const key = (kid: string, at: number) => ({
        kid,
        algorithm: "ES256" as const,
        privateKeyPem: `pem-${kid}`,
        publicJwk: { kid },
        createdAt: new Date(at),
      });

      await store.addServerKey(key("k1", 1_000));
      await store.addServerKey(key("k2", 2_000));

      expect(await store.serverKeys()).toEqual([key("k2", 2_000), { ...key("k1", 1_000), retiredAt: new Date(2_000) }]);
    });

    it("writes nothing for an append without events", async () => {
      const { store } = fresh;
      const stored = await store.append({ actor: actorOf(), events: [], expectations: [] });

      expect(stored).toEqual([]);
      expect(await store.lastPosition()).toBe(0n);
    });
  });
}
