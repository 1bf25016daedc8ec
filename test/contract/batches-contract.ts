/** Contract: the `batches` read model — its spec and status from `batch.*` events, its job counters from its jobs' events. */
import { describe, expect, it } from "vitest";
import type { NewEvent } from "../../server/domain/events.js";
import type { Batch, Job, JobStatus, Progress } from "../../server/domain/job.js";
import {
  decideAcceptJob,
  decideCancelJob,
  decideFailJob,
  decideStartJob,
  decideSucceedJob,
  terminalJobStatuses,
} from "../../server/domain/job.js";
import type { Store } from "../../server/store/store.js";
import {
  acceptBatch,
  acceptJob,
  cancelJob,
  completeBatch,
  failJob,
  progressJob,
  progressOf,
  retryJob,
  startJob,
  succeedJob,
  targetFailed,
} from "./job-fixtures.js";
import { type StoreFactory, actorOf, ownerA, ownerB, page, useFreshStore } from "./fixtures.js";

/** The counters a batch must show for `jobs`: pending until first started, running until ended, cancelled as failed. */
function expectedProgress(jobs: readonly Job[]): Progress {
  const open = jobs.filter((job) => !terminalJobStatuses.has(job.status));
  return {
    total: jobs.length,
    pending: open.filter((job) => job.attempts === 0).length,
    running: open.filter((job) => job.attempts > 0).length,
    succeeded: jobs.filter((job) => job.status === "succeeded").length,
    failed: jobs.filter((job) => job.status === "failed" || job.status === "cancelled").length,
  };
}

/** A small deterministic PRNG (mulberry32), so a failing sequence can be replayed. */
function randomOf(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

export function describeBatchesContract(createStore: StoreFactory): void {
  describe("batches", () => {
    const fresh = useFreshStore(createStore);

    const batchOf = async (id: string, owner = ownerA): Promise<Batch> => (await fresh.store.getBatch(owner, id))!;
    const progressOfBatch = async (id: string): Promise<Progress> => (await batchOf(id)).progress;

    it("holds an accepted batch with every job pending, and its jobs by index", async () => {
      const { store } = fresh;

      const jobIds = await acceptBatch(store, "b1", 3);

      const batch = await batchOf("b1");
      expect(batch).toMatchObject({
        id: "b1",
        total: 3,
        callbackUrl: "https://callback.example/batch",
        includeResultSchema: false,
        status: "accepted",
        progress: { total: 3, pending: 3, running: 0, succeeded: 0, failed: 0 },
      });
      expect(batch.details).toEqual({ sequence: 1n, changeDate: batch.createdAt, resourceOwner: ownerA });
      expect(batch.startedAt).toBeUndefined();
      expect((await store.getJob(ownerA, jobIds[2]!))?.batchIndex).toBe(2);
      expect(await store.getBatch(ownerB, "b1")).toBeUndefined();
    });

    it("counts each job once through start, retry, restart, success, failure and cancellation", async () => {
      const { store } = fresh;
      const [j0, j1, j2, j3, j4] = await acceptBatch(store, "b1", 5);
      const expectCounts = async (pending: number, running: number, succeeded: number, failed: number) =>
        expect(await progressOfBatch("b1")).toEqual({ total: 5, pending, running, succeeded, failed });

      const first = await startJob(store, j0!);
      await expectCounts(4, 1, 0, 0);
      const started = await batchOf("b1");
      expect(started).toMatchObject({ status: "running", startedAt: first.startedAt, details: { sequence: 1n } });
      await succeedJob(store, j0!);
      await expectCounts(4, 0, 1, 0);

      await startJob(store, j1!);
      await retryJob(store, j1!, new Date(Date.now() + 5_000));
      await expectCounts(3, 1, 1, 0);
      await startJob(store, j1!);
      await startJob(store, j1!); // reclaimed after its runner died
      await expectCounts(3, 1, 1, 0);
      await failJob(store, j1!);
      await expectCounts(3, 0, 1, 1);

      await cancelJob(store, j2!);
      await expectCounts(2, 0, 1, 2);
      await retryJob(store, j3!, new Date(Date.now() + 5_000)); // before any start: still pending
      await expectCounts(2, 0, 1, 2);
      await startJob(store, j3!);
      await progressJob(store, j3!, progressOf(2, 1, 0, 1));
      await cancelJob(store, j3!);
      await expectCounts(1, 0, 1, 3);
      await startJob(store, j4!);
      await succeedJob(store, j4!);
      await expectCounts(0, 0, 2, 3);
      expect((await batchOf("b1")).startedAt).toEqual(started.startedAt);
    });

    it("keeps the counters summing to the total and matching its jobs through random transitions", async () => {
      const { store } = fresh;
      const jobIds = await acceptBatch(store, "b1", 12);
      const random = randomOf(20_240_601);
      const retry = (s: Store, id: string) => retryJob(s, id, new Date());
      const progress = (s: Store, id: string) => progressJob(s, id, progressOf(2, 1, 0, 1));
      // Weighted towards retries and restarts, which a batch must not count twice.
      const moves: Record<"accepted" | "running", ((store: Store, id: string) => Promise<Job>)[]> = {
        accepted: [startJob, startJob, startJob, retry, cancelJob],
        running: [startJob, progress, retry, retry, retry, succeedJob, failJob, cancelJob],
      };

      for (let step = 0; step < 300; step++) {
        const { items: jobs } = await store.listJobs(ownerA, { batchId: "b1" }, page());
        const progress = await progressOfBatch("b1");
        expect(progress.pending + progress.running + progress.succeeded + progress.failed).toBe(12);
        expect(progress).toEqual(expectedProgress(jobs));
        const open = jobs.filter((job) => !terminalJobStatuses.has(job.status));
        if (open.length === 0) break;
        const job = open[random(open.length)]!;
        const choices = moves[job.status as "accepted" | "running"];
        await choices[random(choices.length)]!(store, job.id);
      }

      const { items: jobs } = await store.listJobs(ownerA, { batchId: "b1" }, page());
      expect(jobs.map((job) => job.id)).toEqual(jobIds);
      expect(await progressOfBatch("b1")).toEqual(expectedProgress(jobs));
    });

    it("names the open batches of every owner whose jobs have all ended, until they are completed", async () => {
      const { store } = fresh;
      const [a0, a1] = await acceptBatch(store, "b-a", 2);
      const [b0] = await acceptBatch(store, "b-b", 1, ownerB);
      await acceptBatch(store, "b-empty", 0);
      await acceptJob(store, "single");
      await succeedJob(store, a0!);
      expect(await store.finishedOpenBatches(10)).toEqual([]);

      await cancelJob(store, a1!);
      await startJob(store, b0!, 1, ownerB);
      await failJob(store, b0!, ownerB);

      const finished = await store.finishedOpenBatches(10);
      expect(finished.map((batch) => [batch.details.resourceOwner, batch.id])).toEqual([
        [ownerA, "b-a"],
        [ownerB, "b-b"],
      ]);
      expect(await store.finishedOpenBatches(1)).toHaveLength(1);

      await completeBatch(store, "b-a", "partially_failed");

      const completed = await batchOf("b-a");
      expect(completed).toMatchObject({ status: "partially_failed", progress: { succeeded: 1, failed: 1 }, details: { sequence: 2n } });
      expect(completed.completedAt).toEqual(completed.details.changeDate);
      expect((await store.finishedOpenBatches(10)).map((batch) => batch.id)).toEqual(["b-b"]);
    });

    it("counts the jobs moved by many writes committed together, and nothing of a write that fails among them", async () => {
      const { store } = fresh;
      const b1 = await acceptBatch(store, "b1", 20);
      const b2 = await acceptBatch(store, "b2", 10);
      const singles = ["s0", "s1", "s2"];
      for (const id of singles) await acceptJob(store, id);
      const jobOf = async (id: string): Promise<Job> => (await store.getJob(ownerA, id))!;
      const append = (id: string, sequence: bigint, events: NewEvent[]) =>
        store.append({ actor: actorOf(ownerA), events, expectations: [{ aggregateType: "job", aggregateId: id, sequence }] });
      /** Appends every move in the same turn, so they share a transaction, with one write that fails after its first event. */
      async function together(moves: [string, (job: Job) => NewEvent[]][], doomed: string): Promise<void> {
        const jobs = await Promise.all(moves.map(([id]) => jobOf(id)));
        const victim = await jobOf(doomed);
        const writes = moves.map(([id, decide], index) => append(id, jobs[index]!.details.sequence, decide(jobs[index]!)));
        // Its start is counted, then accepting a job that exists breaks the jobs table's key: the whole write rolls back.
        const failing = append(doomed, victim.details.sequence, [...decideStartJob(victim, 1), decideAcceptJob("s0", {
          function: "enrich", input: {}, async: true, includeResultSchema: false, maxAttempts: 3,
        })]);
        await expect(failing).rejects.toThrow();
        await Promise.all(writes);
      }
      async function expectCounted(): Promise<void> {
        const { items: all } = await store.listJobs(ownerA, {}, page());
        expect(all).toHaveLength(33);
        for (const id of ["b1", "b2"]) {
          expect(await progressOfBatch(id)).toEqual(expectedProgress(all.filter((job) => job.batchId === id)));
        }
        const counts: Record<JobStatus, number> = { accepted: 0, running: 0, succeeded: 0, partially_failed: 0, failed: 0, cancelled: 0 };
        for (const job of all) counts[job.status]++;
        expect(await store.jobCounts()).toEqual(counts);
      }

      const startedAt = Date.now();
      await together(
        [...b1.slice(0, 12), ...b2.slice(0, 5), ...singles].map((id) => [id, (job: Job) => decideStartJob(job, 1)]),
        b1[19]!,
      );
      await expectCounted();
      expect(await batchOf("b1")).toMatchObject({ status: "running" });
      expect((await batchOf("b1")).startedAt!.getTime()).toBeGreaterThanOrEqual(startedAt);
      expect(await batchOf("b2")).toMatchObject({ status: "running" });

      const succeed = (job: Job) => decideSucceedJob(job, { ok: true }, progressOf(1, 1));
      const fail = (job: Job) => decideFailJob(job, targetFailed, progressOf(1, 0, 1));
      await together(
        [
          ...b1.slice(0, 6).map((id): [string, typeof succeed] => [id, succeed]),
          ...b1.slice(6, 9).map((id): [string, typeof fail] => [id, fail]),
          ...b1.slice(12, 15).map((id): [string, typeof decideCancelJob] => [id, decideCancelJob]),
          ...b2.slice(0, 5).map((id): [string, typeof succeed] => [id, succeed]),
          ["s0", fail],
          ["s1", decideCancelJob],
        ],
        b2[9]!,
      );
      await expectCounted();
      expect(await progressOfBatch("b1")).toEqual({ total: 20, pending: 5, running: 3, succeeded: 6, failed: 6 });
      expect(await progressOfBatch("b2")).toEqual({ total: 10, pending: 5, running: 0, succeeded: 5, failed: 0 });
    });

    it("keeps counting the jobs of a batch completed as cancelled before they end", async () => {
      const { store } = fresh;
      const [j0, j1] = await acceptBatch(store, "b1", 2);
      await startJob(store, j0!);

      await completeBatch(store, "b1", "cancelled");
      await cancelJob(store, j0!);
      await cancelJob(store, j1!);

      expect(await batchOf("b1")).toMatchObject({ status: "cancelled", progress: { pending: 0, running: 0, failed: 2 } });
      expect(await store.finishedOpenBatches(10)).toEqual([]);
    });
  });
}
