/** Contract: the `jobs` read model agrees with `evolveJob` folded over the job's stored events. */
import { describe, expect, it } from "vitest";
import { decideAcceptJob, decideStartAcceptedJob, decideSucceedJob, emptyProgress } from "../../server/domain/job.js";
import {
  acceptJob,
  cancelJob,
  failJob,
  foldedJob,
  idsOf,
  jobSpec,
  moveJob,
  progressJob,
  progressOf,
  retryJob,
  startJob,
  succeedJob,
  targetFailed,
} from "./job-fixtures.js";
import { type StoreFactory, actorOf, ownerA, useFreshStore } from "./fixtures.js";

export function describeJobsProjectionContract(createStore: StoreFactory): void {
  describe("jobs projection", () => {
    const fresh = useFreshStore(createStore);

    /** Asserts that the read model of `id` equals the fold of its events. */
    async function expectAgreement(id: string): Promise<void> {
      const { store } = fresh;
      const job = await store.getJob(ownerA, id);
      expect(job).toBeDefined();
      expect(job).toEqual(await foldedJob(store, id));
    }

    it("holds an accepted job with its whole spec, no progress, and details from its event", async () => {
      const { store } = fresh;
      const spec = jobSpec({ callbackUrl: "https://callback.example/job", idempotencyKey: "key-1", includeResultSchema: true, async: false });

      const job = await acceptJob(store, "j1", spec);

      expect(job).toMatchObject({ ...spec, id: "j1", status: "accepted", progress: emptyProgress(0), attempts: 0 });
      expect(job.details).toEqual({ sequence: 1n, changeDate: job.createdAt, resourceOwner: ownerA });
      expect(job.startedAt).toBeUndefined();
      expect(job.nextAttemptAt).toBeUndefined();
      await expectAgreement("j1");
    });

    it("agrees with evolveJob at every step of a run with progress, a retry and a result schema", async () => {
      const { store } = fresh;
      await acceptJob(store, "j1", jobSpec({ includeResultSchema: true }));
      const steps = [
        () => startJob(store, "j1", 3),
        () => progressJob(store, "j1", progressOf(3, 1, 0, 1)),
        () => retryJob(store, "j1", new Date(Date.now() + 60_000)),
        () => startJob(store, "j1", 3),
        () => progressJob(store, "j1", progressOf(3, 2, 0, 1)),
        () => succeedJob(store, "j1", [{ name: "Ada", age: 36 }, { name: "Alan", age: null }]),
      ];

      for (const step of steps) {
        await step();
        await expectAgreement("j1");
      }

      const job = await store.getJob(ownerA, "j1");
      expect(job).toMatchObject({ status: "succeeded", attempts: 2, progress: progressOf(3, 3) });
      expect(job?.error).toBeUndefined();
      expect(job?.resultSchema).toEqual([
        { name: "name", type: "string" },
        { name: "age", type: "number" },
      ]);
      expect(job?.nextAttemptAt).toBeUndefined();
      expect(job?.details.sequence).toBe(7n);
    });

    it("writes a job accepted and started in one append as both events leave it, and counts it running once", async () => {
      const { store } = fresh;
      const spec = jobSpec({ callbackUrl: "https://callback.example/job", idempotencyKey: "key-2" });

      // As a runner with a free place does: the start in the accept's append (one INSERT of the running job).
      await store.append({
        actor: actorOf(ownerA),
        events: [decideAcceptJob("j1", spec), decideStartAcceptedJob("j1", 2)],
        expectations: [{ aggregateType: "job", aggregateId: "j1", sequence: 0n }],
      });

      const job = await store.getJob(ownerA, "j1");
      expect(job).toMatchObject({ ...spec, id: "j1", status: "running", attempts: 1, progress: progressOf(2, 0, 0, 1) });
      expect(job?.startedAt).toEqual(job?.createdAt);
      expect(job?.details.sequence).toBe(2n);
      await expectAgreement("j1");
      expect(await store.jobCounts()).toMatchObject({ accepted: 0, running: 1 });
      await succeedJob(store, "j1");
      await expectAgreement("j1");
      expect(await store.jobCounts()).toMatchObject({ accepted: 0, running: 0, succeeded: 1 });
    });

    it("keeps the first start time across attempts and shows a pending retry until the next start", async () => {
      const { store } = fresh;
      await acceptJob(store, "j1");
      const first = await startJob(store, "j1");
      const retryAt = new Date(Date.now() + 5_000);

      const waiting = await retryJob(store, "j1", retryAt);
      const restarted = await startJob(store, "j1");

      expect(waiting).toMatchObject({ status: "accepted", nextAttemptAt: retryAt, error: targetFailed, attempts: 1 });
      expect(restarted).toMatchObject({ status: "running", attempts: 2, startedAt: first.startedAt });
      expect(restarted.nextAttemptAt).toBeUndefined();
      await expectAgreement("j1");
    });

    it("ends failed or cancelled with the error and final progress, and keeps a null result apart from none", async () => {
      const { store } = fresh;
      for (const id of ["failed", "cancelled-early", "cancelled-running", "retry-cancelled", "null-result"]) await acceptJob(store, id);
      await startJob(store, "failed");
      await startJob(store, "cancelled-running");
      await startJob(store, "null-result");

      await failJob(store, "failed");
      await cancelJob(store, "cancelled-early");
      await cancelJob(store, "cancelled-running");
      await retryJob(store, "retry-cancelled", new Date(Date.now() + 5_000));
      await cancelJob(store, "retry-cancelled");
      await moveJob(store, "null-result", (job) => decideSucceedJob(job, null, progressOf(2, 2)));

      for (const id of ["failed", "cancelled-early", "cancelled-running", "retry-cancelled", "null-result"]) await expectAgreement(id);
      expect(await store.getJob(ownerA, "failed")).toMatchObject({ status: "failed", error: targetFailed, progress: progressOf(2, 0, 2) });
      const cancelled = await store.getJob(ownerA, "cancelled-running");
      expect(cancelled).toMatchObject({ status: "cancelled", error: { code: "cancelled" }, progress: { running: 0, failed: 1 } });
      expect(cancelled?.completedAt).toEqual(cancelled?.details.changeDate);
      expect((await store.getJob(ownerA, "cancelled-early"))?.startedAt).toBeUndefined();
      expect(await store.getJob(ownerA, "null-result")).toHaveProperty("result", null);
      expect((await store.getJob(ownerA, "failed"))?.result).toBeUndefined();
    });

    it("keeps jobs and batches across close and reopen", async (context) => {
      const { store, harness } = fresh;
      if (!harness.reopen) return context.skip("the backend cannot reopen its database");
      await acceptJob(store, "j1", jobSpec({ callbackUrl: "https://callback.example/job" }));
      await startJob(store, "j1");
      await acceptJob(store, "j2", jobSpec(), { lease: { owner: "runner-1", until: new Date(Date.now() + 60_000) } });
      const before = await Promise.all(["j1", "j2"].map((id) => store.getJob(ownerA, id)));
      await store.close();

      const reopened = await harness.reopen();

      expect(await Promise.all(["j1", "j2"].map((id) => reopened.getJob(ownerA, id)))).toEqual(before);
      // j1 runs without a lease (as after a release), so it is claimable; j2's lease holds.
      const claimed = await reopened.claimDueJobs(new Date(Date.now() + 1_000), 10, { owner: "runner-2", until: new Date() });
      expect(idsOf(claimed)).toEqual(["j1"]);
      expect(await reopened.renewJobLeases(["j2"], { owner: "runner-1", until: new Date(Date.now() + 120_000) })).toEqual(["j2"]);
    });
  });
}
