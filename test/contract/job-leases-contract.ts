/** Contract: what runners do with jobs — claim, lease in the accepting append, renew, release; and pruning idempotency keys. */
import { describe, expect, it } from "vitest";
import { inMs, leaseOf } from "./delivery-fixtures.js";
import { decideStartJob } from "../../server/domain/job.js";
import { acceptJob, idsOf, jobSpec, retryJob, startJob, succeedJob } from "./job-fixtures.js";
import { type StoreFactory, actorOf, nextMillisecond, orderEvent, ownerA, ownerB, useFreshStore } from "./fixtures.js";

export function describeJobLeasesContract(createStore: StoreFactory): void {
  describe("job leases", () => {
    const fresh = useFreshStore(createStore);

    it("leases due jobs of every owner, oldest first, up to the limit; another runner gets none until the lease ends", async () => {
      const { store } = fresh;
      await acceptJob(store, "j1");
      await nextMillisecond();
      await acceptJob(store, "j2", jobSpec(), { owner: ownerB });
      await nextMillisecond();
      await acceptJob(store, "j3");
      const until = inMs(30_000);

      const first = await store.claimDueJobs(inMs(1_000), 2, leaseOf("runner-1", until));
      const rest = await store.claimDueJobs(inMs(1_000), 5, leaseOf("runner-2"));
      const none = await store.claimDueJobs(inMs(1_000), 5, leaseOf("runner-3"));
      const reclaimed = await store.claimDueJobs(until, 5, leaseOf("runner-3"));

      expect(first.map((job) => [job.details.resourceOwner, job.id])).toEqual([
        [ownerA, "j1"],
        [ownerB, "j2"],
      ]);
      expect(first[0]).toEqual(await store.getJob(ownerA, "j1"));
      expect(idsOf(rest)).toEqual(["j3"]);
      expect(none).toEqual([]);
      expect(idsOf(reclaimed)).toEqual(["j1", "j2"]);
    });

    it("starts the jobs it claims in the claim's transaction when asked, tells listeners, and claims nothing when a start fails", async () => {
      const { store } = fresh;
      await acceptJob(store, "j1");
      await nextMillisecond();
      await acceptJob(store, "j2");
      const heard: string[] = [];
      const unsubscribe = store.subscribe((events) => heard.push(...events.map((event) => `${event.aggregateId} ${event.type}`)));
      const actor = actorOf(ownerA);

      // j1's start is appended, then j2's start fails: the whole claim is rolled back, j1's start with it.
      const refused = store.claimDueJobs(inMs(1_000), 5, leaseOf("runner-1"), (job) => {
        if (job.id === "j2") throw new Error("no start for j2");
        return { actor, events: decideStartJob(job, 2) };
      });
      await expect(refused).rejects.toThrow("no start for j2");
      const claimed = await store.claimDueJobs(inMs(1_000), 5, leaseOf("runner-1"), (job) =>
        job.id === "j1" ? { actor, events: decideStartJob(job, 2) } : undefined,
      );
      unsubscribe();

      expect(idsOf(claimed)).toEqual(["j1", "j2"]);
      expect(claimed[0]).toMatchObject({ status: "running", attempts: 1, details: { sequence: 2n } });
      expect(claimed[0]).toEqual(await store.getJob(ownerA, "j1"));
      expect(claimed[1]).toMatchObject({ status: "accepted", attempts: 0 });
      expect(heard).toEqual(["j1 job.started"]);
    });

    it("hands each job to one of several concurrent claims", async () => {
      const { store } = fresh;
      for (const id of ["a", "b", "c", "d", "e"]) await acceptJob(store, id);

      const claims = await Promise.all(["r1", "r2", "r3"].map((runner) => store.claimDueJobs(inMs(1_000), 2, leaseOf(runner))));

      const ids = claims.flatMap(idsOf);
      expect(ids).toHaveLength(5);
      expect(new Set(ids).size).toBe(5);
    });

    it("claims a scheduled retry only once it falls due: the retry ends the lease", async () => {
      const { store } = fresh;
      await acceptJob(store, "j1", jobSpec(), { lease: leaseOf("runner-1") });
      await startJob(store, "j1");
      const retryAt = inMs(10_000);

      await retryJob(store, "j1", retryAt);

      expect(await store.claimDueJobs(inMs(5_000), 5, leaseOf("runner-2"))).toEqual([]);
      const [claimed] = await store.claimDueJobs(retryAt, 5, leaseOf("runner-2"));
      expect(claimed).toMatchObject({ id: "j1", status: "accepted", attempts: 1, nextAttemptAt: retryAt });
    });

    it("reclaims a running job whose lease expired (its process died), and never one that ended", async () => {
      const { store } = fresh;
      const until = inMs(20_000);
      await acceptJob(store, "dies", jobSpec(), { lease: leaseOf("runner-1", until) });
      await acceptJob(store, "ends", jobSpec(), { lease: leaseOf("runner-1", until) });
      await startJob(store, "dies");
      await startJob(store, "ends");
      await succeedJob(store, "ends");

      expect(await store.claimDueJobs(inMs(10_000), 5, leaseOf("runner-2"))).toEqual([]);
      const reclaimed = await store.claimDueJobs(until, 5, leaseOf("runner-2"));

      expect(reclaimed.map((job) => [job.id, job.status, job.attempts])).toEqual([["dies", "running", 1]]);
      expect(await store.renewJobLeases(["dies", "ends"], leaseOf("runner-1"))).toEqual([]);
      expect(await store.releaseJobLeases("runner-1")).toBe(0);
    });

    it("leases jobs in the append that accepts them; leases of missing or ended jobs are skipped", async () => {
      const { store } = fresh;
      await acceptJob(store, "done");
      await startJob(store, "done");
      await succeedJob(store, "done");
      const until = inMs(60_000);

      await store.append({
        actor: actorOf(),
        events: [],
        expectations: [],
        jobLeases: [
          { jobId: "done", lease: leaseOf("runner-1", until) },
          { jobId: "missing", lease: leaseOf("runner-1", until) },
        ],
      });
      await acceptJob(store, "fresh", jobSpec(), { lease: leaseOf("runner-1", until) });
      await acceptJob(store, "fresh", jobSpec(), { owner: ownerB });

      const claimed = await store.claimDueJobs(inMs(1_000), 5, leaseOf("runner-2"));
      expect(claimed.map((job) => job.details.resourceOwner)).toEqual([ownerB]);
      expect(await store.renewJobLeases(["fresh", "done"], leaseOf("runner-1"))).toEqual(["fresh"]);
    });

    it("renews only the leases a runner holds, and answers the ids it still holds", async () => {
      const { store } = fresh;
      const until = inMs(10_000);
      for (const id of ["a", "b"]) await acceptJob(store, id, jobSpec(), { lease: leaseOf("runner-1", until) });
      await acceptJob(store, "c", jobSpec(), { lease: leaseOf("runner-2", until) });
      const later = inMs(60_000);

      const renewed = await store.renewJobLeases(["a", "c", "missing"], leaseOf("runner-1", later));

      expect(renewed).toEqual(["a"]);
      expect(await store.renewJobLeases([], leaseOf("runner-1", later))).toEqual([]);
      expect(idsOf(await store.claimDueJobs(until, 5, leaseOf("runner-3")))).toEqual(["b", "c"]);
      expect(idsOf(await store.claimDueJobs(later, 5, leaseOf("runner-3")))).toEqual(["a"]);
    });

    it("releases a runner's leases (graceful shutdown), so its running jobs are claimable at once", async () => {
      const { store } = fresh;
      for (const id of ["a", "b"]) await acceptJob(store, id, jobSpec(), { lease: leaseOf("runner-1") });
      await acceptJob(store, "c", jobSpec(), { lease: leaseOf("runner-2") });
      await startJob(store, "a");

      expect(await store.releaseJobLeases("runner-1")).toBe(2);
      expect(await store.releaseJobLeases("runner-1")).toBe(0);
      const claimed = await store.claimDueJobs(inMs(1_000), 5, leaseOf("runner-3"));
      expect(claimed.map((job) => [job.id, job.status])).toEqual([
        ["a", "running"],
        ["b", "accepted"],
      ]);
    });

    it("tells when the next job falls due: a free one at once, a leased one when its lease ends, a retry at its time", async () => {
      const { store } = fresh;
      expect(await store.nextJobDueAt()).toBeUndefined();
      const leaseEnd = inMs(600_000);
      await acceptJob(store, "leased", jobSpec(), { lease: leaseOf("runner-1", leaseEnd) });
      expect(await store.nextJobDueAt()).toEqual(leaseEnd);

      const free = await acceptJob(store, "free");
      expect(await store.nextJobDueAt()).toEqual(free.createdAt);

      const retryAt = inMs(5_000);
      await retryJob(store, "free", retryAt);
      expect(await store.nextJobDueAt()).toEqual(retryAt);
      await startJob(store, "leased");
      await succeedJob(store, "leased");
      await startJob(store, "free");
      await succeedJob(store, "free");
      expect(await store.nextJobDueAt()).toBeUndefined();
    });

    it("prunes idempotency keys created before a time, of every owner", async () => {
      const { store } = fresh;
      const keyed = (key: string, owner = ownerA) =>
        store.append({
          actor: actorOf(owner),
          events: [orderEvent(`order-${key}`)],
          expectations: [],
          idempotency: { scope: "push_event", key, requestHash: "hash" },
        });
      await keyed("old");
      await keyed("old", ownerB);
      await nextMillisecond();
      const cutoff = new Date();
      await nextMillisecond();
      await keyed("new");

      expect(await store.pruneIdempotencyKeys(cutoff)).toBe(2);
      expect(await store.pruneIdempotencyKeys(cutoff)).toBe(0);
      expect(await store.getIdempotencyRecord(ownerA, "push_event", "old")).toBeUndefined();
      expect(await store.getIdempotencyRecord(ownerB, "push_event", "old")).toBeUndefined();
      expect(await store.getIdempotencyRecord(ownerA, "push_event", "new")).toBeDefined();
      await keyed("old"); // the key is free again
    });
  });
}
