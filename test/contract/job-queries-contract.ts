/** Contract: listing jobs — filters, order by creation (a batch's by index), pages with their total; owners apart. */
import { describe, expect, it } from "vitest";
import { decideAcceptJob } from "../../server/domain/job.js";
import { acceptBatch, acceptJob, cancelJob, idsOf, jobSpec, startJob, succeedJob } from "./job-fixtures.js";
import { type StoreFactory, actorOf, nextMillisecond, ownerA, ownerB, page, useFreshStore } from "./fixtures.js";

export function describeJobQueriesContract(createStore: StoreFactory): void {
  describe("job queries", () => {
    const fresh = useFreshStore(createStore);

    /** Accepts each job in its own millisecond, in order; answers their creation times. */
    async function acceptOneByOne(jobs: readonly (readonly [string, string])[], owner = ownerA): Promise<Date[]> {
      const times: Date[] = [];
      for (const [id, fn] of jobs) {
        await nextMillisecond();
        times.push((await acceptJob(fresh.store, id, jobSpec({ function: fn }), { owner })).createdAt);
      }
      return times;
    }

    it("orders by creation, ascending or descending, and pages with the total", async () => {
      const { store } = fresh;
      const ids = ["j1", "j2", "j3", "j4", "j5"];
      await acceptOneByOne(ids.map((id) => [id, "enrich"]));

      const ascending = await store.listJobs(ownerA, {}, page({ offset: 1, limit: 2 }));
      const descending = await store.listJobs(ownerA, {}, page({ asc: false, limit: 3 }));
      const beyond = await store.listJobs(ownerA, {}, page({ offset: 10 }));

      expect(idsOf(ascending.items)).toEqual(["j2", "j3"]);
      expect(ascending.total).toBe(5);
      expect(idsOf(descending.items)).toEqual(["j5", "j4", "j3"]);
      expect(beyond).toEqual({ items: [], total: 5 });
      expect(ascending.items[0]).toEqual(await store.getJob(ownerA, "j2"));
    });

    it("orders jobs created in the same millisecond by id", async () => {
      const { store } = fresh;
      await store.append({
        actor: actorOf(),
        events: ["c", "a", "b"].map((id) => decideAcceptJob(id, jobSpec())),
        expectations: [],
      });

      expect(idsOf((await store.listJobs(ownerA, {}, page())).items)).toEqual(["a", "b", "c"]);
      expect(idsOf((await store.listJobs(ownerA, {}, page({ asc: false }))).items)).toEqual(["c", "b", "a"]);
    });

    it("filters by status (one or several), function and creation range, combined with AND", async () => {
      const { store } = fresh;
      const times = await acceptOneByOne([
        ["j1", "enrich"],
        ["j2", "score"],
        ["j3", "enrich"],
        ["j4", "score"],
        ["j5", "enrich"],
      ]);
      await startJob(store, "j1");
      await succeedJob(store, "j1");
      await startJob(store, "j2");
      await cancelJob(store, "j3");
      const list = async (filter: Parameters<typeof store.listJobs>[1]) => {
        const { items, total } = await store.listJobs(ownerA, filter, page());
        expect(total).toBe(items.length);
        return idsOf(items);
      };

      expect(await list({ statuses: ["accepted"] })).toEqual(["j4", "j5"]);
      expect(await list({ statuses: ["succeeded", "cancelled"] })).toEqual(["j1", "j3"]);
      expect(await list({ statuses: [] })).toEqual(["j1", "j2", "j3", "j4", "j5"]);
      expect(await list({ function: "score" })).toEqual(["j2", "j4"]);
      expect(await list({ createdFrom: times[1], createdTo: times[3] })).toEqual(["j2", "j3"]);
      expect(await list({ function: "enrich", statuses: ["accepted", "cancelled"], createdFrom: times[2] })).toEqual(["j3", "j5"]);
      expect(await list({ function: "missing" })).toEqual([]);
      const paged = await store.listJobs(ownerA, { statuses: ["accepted", "running"] }, page({ asc: false, limit: 1 }));
      expect({ ids: idsOf(paged.items), total: paged.total }).toEqual({ ids: ["j5"], total: 3 });
    });

    it("lists a batch's jobs by index, whatever order they were accepted in", async () => {
      const { store } = fresh;
      await acceptJob(store, "loose");
      await store.append({
        actor: actorOf(),
        events: [
          { aggregateType: "batch", aggregateId: "b1", type: "batch.accepted", payload: { total: 3, includeResultSchema: false } },
          ...[2, 0, 1].map((index) => decideAcceptJob(`item-${index}`, jobSpec({ batchId: "b1", batchIndex: index }))),
        ],
        expectations: [],
      });
      await acceptBatch(store, "b2", 2);
      await startJob(store, "item-1");

      const items = await store.listJobs(ownerA, { batchId: "b1" }, page());
      const descending = await store.listJobs(ownerA, { batchId: "b1" }, page({ asc: false, offset: 1, limit: 1 }));
      const running = await store.listJobs(ownerA, { batchId: "b1", statuses: ["accepted"] }, page());

      expect(idsOf(items.items)).toEqual(["item-0", "item-1", "item-2"]);
      expect(items.items.map((job) => job.batchIndex)).toEqual([0, 1, 2]);
      expect({ ids: idsOf(descending.items), total: descending.total }).toEqual({ ids: ["item-1"], total: 3 });
      expect(idsOf(running.items)).toEqual(["item-0", "item-2"]);
    });

    it("counts jobs by status over every owner, batch items included, every status present", async () => {
      const { store } = fresh;
      expect(await store.jobCounts()).toEqual({ accepted: 0, running: 0, succeeded: 0, partially_failed: 0, failed: 0, cancelled: 0 });
      await acceptOneByOne([
        ["j1", "enrich"],
        ["j2", "enrich"],
        ["j3", "enrich"],
      ]);
      await acceptJob(store, "j1", jobSpec(), { owner: ownerB });
      await acceptBatch(store, "b1", 2, ownerB);
      await startJob(store, "j1");
      await succeedJob(store, "j1");
      await startJob(store, "j2");
      await cancelJob(store, "j1", ownerB);

      expect(await store.jobCounts()).toEqual({ accepted: 3, running: 1, succeeded: 1, partially_failed: 0, failed: 0, cancelled: 1 });
    });

    it("keeps owners apart: the same ids are different jobs and batches, and one never sees the other's", async () => {
      const { store } = fresh;
      await acceptJob(store, "j1", jobSpec({ function: "enrich" }));
      await acceptJob(store, "j1", jobSpec({ function: "score" }), { owner: ownerB });
      await acceptBatch(store, "b1", 2, ownerB);
      await startJob(store, "j1", 2, ownerB);

      expect((await store.getJob(ownerA, "j1"))).toMatchObject({ function: "enrich", status: "accepted" });
      expect((await store.getJob(ownerB, "j1"))).toMatchObject({ function: "score", status: "running" });
      expect(await store.getJob(ownerA, "b1-0")).toBeUndefined();
      expect(await store.getBatch(ownerA, "b1")).toBeUndefined();
      expect(idsOf((await store.listJobs(ownerA, {}, page())).items)).toEqual(["j1"]);
      expect((await store.listJobs(ownerA, { batchId: "b1" }, page())).total).toBe(0);
      expect((await store.listJobs(ownerB, {}, page())).total).toBe(3);
    });
  });
}
