/**
 * Where a job starts: the real job commands, runner and SQLite store (on a
 * temp file), with an engine whose chain answers at once, so the test sees
 * exactly which events each commit carried.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createJobCommands } from "../../server/commands/job-commands.js";
import type { StoredEvent } from "../../server/domain/events.js";
import type { Job } from "../../server/domain/job.js";
import type { Target } from "../../server/domain/target.js";
import type { Engine } from "../../server/engine/engine.js";
import { createJobRunner } from "../../server/engine/job-runner.js";
import { createSqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import type { Store } from "../../server/store/store.js";

const actor = { resourceOwner: "default", subject: "test" };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const target = (id: string) => ({ id, name: id, state: "active" }) as Target;

/** A runner with `places` places over a fresh store; `targets()` answers the function's targets on each lookup. */
async function setUp(places: number, targets: () => Target[]) {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-job-start-"));
  const real: Store = await createSqliteStore({ path: path.join(directory, "db.sqlite") });
  // Records what the runner appends on its own and what its claims answer.
  const appendedTypes: string[][] = [];
  const claimedJobs: Job[] = [];
  const store: Store = {
    ...real,
    append: (request) => (appendedTypes.push(request.events.map((event) => event.type)), real.append(request)),
    claimDueJobs: async (...args) => {
      const jobs = await real.claimDueJobs(...args);
      claimedJobs.push(...jobs);
      return jobs;
    },
  };
  const engine: Pick<Engine, "router" | "runChain"> = {
    router: { functionTargets: () => targets() } as unknown as Engine["router"],
    async runChain(run) {
      for (const index of run.targets.keys()) await run.onStep?.(index, undefined);
      return { payload: { done: true }, ignoredFailures: [] };
    },
  };
  const runner = createJobRunner({ store, engine, concurrency: places, leaseMs: 30_000, pollMs: 50, admissionWaitMs: 0 });
  const commands = createJobCommands({ store, router: engine.router, runner, defaultMaxAttempts: 3 });
  const commits: StoredEvent[][] = [];
  store.subscribe((events) => commits.push([...events]));
  // The listeners of one group commit are called one after another, without a turn between:
  // events heard in one burst were committed together.
  const bursts: StoredEvent[][] = [];
  let inBurst = false;
  store.subscribe((events) => {
    if (!inBurst) {
      inBurst = true;
      bursts.push([]);
      queueMicrotask(() => (inBurst = false));
    }
    bursts.at(-1)!.push(...events);
  });
  runner.start();
  cleanups.push(async () => {
    await runner.stop(1_000);
    await store.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });
  const typesOf = (jobId: string) => commits.map((events) => events.filter((event) => event.aggregateId === jobId).map((event) => event.type)).filter((types) => types.length > 0);
  return { store, commands, typesOf, appendedTypes, claimedJobs, bursts };
}

describe("a job's start", () => {
  it("is committed with its accept when the runner has a place, and is not appended again", async () => {
    const { store, commands, typesOf } = await setUp(4, () => [target("t1")]);

    const job = await commands.executeJob(actor, { function: "f", input: {}, async: true, includeResultSchema: false });

    expect(job.status).toBe("accepted");
    await expect.poll(async () => (await store.getJob("default", job.id))?.status).toBe("succeeded");
    expect(typesOf(job.id)).toEqual([["job.accepted", "job.started"], ["job.succeeded"]]);
    expect(await store.getJob("default", job.id)).toMatchObject({ attempts: 1, startedAt: job.createdAt, progress: { total: 1, succeeded: 1 } });
  });

  it("is committed with its claim for a job that waited in the store for a place", async () => {
    const { store, commands, typesOf, appendedTypes, claimedJobs } = await setUp(1, () => [target("t1")]);
    const batch = await commands.executeBatch(actor, { items: [{ function: "f", input: {} }, { function: "f", input: {} }], includeResultSchema: false });

    expect(batch).toMatchObject({ status: "accepted", progress: { total: 2, pending: 2 } });
    await expect.poll(async () => (await store.getBatch("default", batch.id))?.status).toBe("succeeded");
    const items = (await store.listJobs("default", { batchId: batch.id }, { offset: 0, limit: 2, asc: true })).items;
    // The first item had the one place at the accept; the second was claimed when it freed.
    expect(typesOf(items[0]!.id)).toEqual([["job.accepted", "job.started"], ["job.succeeded"]]);
    expect(typesOf(items[1]!.id)).toEqual([["job.accepted"], ["job.started"], ["job.succeeded"]]);
    expect(items.map((item) => item.attempts)).toEqual([1, 1]);
    // The claim answered the second item already started, and the runner appended no start of its own.
    expect(claimedJobs.find((job) => job.id === items[1]!.id)).toMatchObject({ status: "running", attempts: 1, progress: { running: 1 } });
    expect(appendedTypes.filter((types) => types[0] === "job.started")).toEqual([]);
  });

  it("of a job waiting in the store is committed with the end of the job whose place it takes", async () => {
    const { store, commands, bursts } = await setUp(1, () => [target("t1")]);
    const batch = await commands.executeBatch(
      actor,
      { items: [0, 1, 2].map((index) => ({ function: "f", input: { index } })), includeResultSchema: false },
    );

    await expect.poll(async () => (await store.getBatch("default", batch.id))?.status).toBe("succeeded");
    const [first, second, third] = (await store.listJobs("default", { batchId: batch.id }, { offset: 0, limit: 3, asc: true })).items.map((job) => job.id);
    const burstOf = (type: string, jobId: string | undefined) => bursts.findIndex((events) => events.some((event) => event.type === type && event.aggregateId === jobId));
    // The next job's claim (and start) was queued as the previous one ended, so both went in one commit.
    expect(burstOf("job.started", second)).toBe(burstOf("job.succeeded", first));
    expect(burstOf("job.started", third)).toBe(burstOf("job.succeeded", second));
    expect(burstOf("job.started", second)).toBeGreaterThan(0);
  });

  it("counts the steps again when the function's execution changed between the accept and the run", async () => {
    let lookups = 0;
    // One target when the job is accepted, two from then on.
    const { store, commands, typesOf } = await setUp(4, () => (++lookups === 1 ? [target("t1")] : [target("t1"), target("t2")]));

    const job = await commands.executeJob(actor, { function: "f", input: {}, async: true, includeResultSchema: false });

    await expect.poll(async () => (await store.getJob("default", job.id))?.status).toBe("succeeded");
    expect(typesOf(job.id)).toEqual([["job.accepted", "job.started"], ["job.progressed"], ["job.progressed"], ["job.succeeded"]]);
    expect((await store.getJob("default", job.id))?.progress).toEqual({ total: 2, pending: 0, running: 0, succeeded: 2, failed: 0 });
  });
});
