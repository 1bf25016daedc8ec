/**
 * `npm run bench:store`: the store's and the runner's share of a job and of a
 * batch item, without HTTP. The real job commands, runner and SQLite store (on
 * a temp file) run jobs whose one target "answers" at once: an engine whose
 * chain calls no one. What is left is what a job costs besides its RPC and its
 * webhook call: accept (with admission and a lease), claim, start, succeed,
 * close the batch.
 *
 * - Jobs: `STORE_JOBS` (20,000) async jobs accepted by 32 closed-loop callers,
 *   as `npm run bench:jobs` sends them.
 * - Batch items: `STORE_BATCHES` (20) batches of 1,000 items, 4 accepted at a
 *   time.
 *
 * Prints µs of the wall clock and of CPU per job and per item, from the first
 * accept until the last one succeeded: the main thread's (the event loop,
 * what bounds a server's throughput) and the whole process's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createJobCommands } from "../server/commands/job-commands.js";
import type { Target } from "../server/domain/target.js";
import type { Engine } from "../server/engine/engine.js";
import { createJobRunner } from "../server/engine/job-runner.js";
import { createSqliteStore } from "../server/store/sqlite/sqlite-store.js";
import { processCpuMicros } from "./bench-process.js";

const jobCount = Number(process.env.STORE_JOBS ?? 20_000);
const batchCount = Number(process.env.STORE_BATCHES ?? 20);
const callers = 32;
const batchSize = 1_000;
const batchesAtOnce = 4;

const dir = mkdtempSync(join(tmpdir(), "store-jobs-"));
const store = await createSqliteStore({ path: join(dir, "bench.db") });
const actor = { resourceOwner: "default", subject: "bench" };
const input = { orderId: 42, items: ["a", "b"] };
const target = { id: "sink", name: "sink", state: "active" } as Target;
const engine: Pick<Engine, "router" | "runChain"> = {
  router: { functionTargets: () => [target] } as unknown as Engine["router"],
  async runChain(run) {
    await run.onStep?.(0, undefined);
    return { payload: null, ignoredFailures: [] };
  },
};
const runner = createJobRunner({ store, engine, concurrency: 64, leaseMs: 30_000, pollMs: 1_000, admissionWaitMs: 1_000 });
const commands = createJobCommands({ store, router: engine.router, runner, defaultMaxAttempts: 3 });
let finished = 0;
let allFinished: (() => void) | undefined;
let expected = 0;
const batchWaiters = new Map<string, () => void>();
store.subscribe((events) => {
  for (const event of events) {
    if (event.type === "job.succeeded" && ++finished === expected) allFinished?.();
    if (event.type === "batch.completed") batchWaiters.get(event.aggregateId)?.();
  }
});
runner.start();
// The runner's timers do not keep a process alive (a server's socket does).
const keepAlive = setInterval(() => {}, 1_000);

/** CPU µs of this process's main thread (the event loop): the other threads are V8's and libuv's. */
const mainThreadCpuMicros = () => processCpuMicros(process.pid, process.pid);

async function measure(count: number, load: () => Promise<void>): Promise<{ cpu: number; mainThread: number; wall: number }> {
  finished = 0;
  expected = count;
  const done = new Promise<void>((resolve) => (allFinished = resolve));
  const before = process.cpuUsage();
  const mainBefore = mainThreadCpuMicros();
  const started = performance.now();
  await load();
  await done;
  const used = process.cpuUsage(before);
  return {
    cpu: (used.user + used.system) / count,
    mainThread: (mainThreadCpuMicros() - mainBefore) / count,
    wall: ((performance.now() - started) * 1000) / count,
  };
}

const report = (what: string, per: string, { cpu, mainThread, wall }: { cpu: number; mainThread: number; wall: number }) =>
  console.log(`${what}: ${wall.toFixed(1)} µs of wall clock per ${per}; CPU per ${per} ${mainThread.toFixed(1)} µs on the main thread, ${cpu.toFixed(1)} µs in all`);

function jobs(count: number): () => Promise<void> {
  return async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (next++ < count) await commands.executeJob(actor, { function: "bench-job", input, async: true, includeResultSchema: false });
      }),
    );
  };
}

function batches(count: number): () => Promise<void> {
  const items = Array.from({ length: batchSize }, (_, index) => ({ function: "bench-batch", input: { ...input, index } }));
  return async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: batchesAtOnce }, async () => {
        while (next++ < count) {
          // Closed loop, as in bench:jobs: the next batch once this one completed.
          const batch = await commands.executeBatch(actor, { items, includeResultSchema: false });
          await new Promise<void>((resolve) => batchWaiters.set(batch.id, resolve));
        }
      }),
    );
  };
}

await measure(2_000, jobs(2_000));
if (jobCount > 0) {
  report(`${jobCount} jobs`, "job", await measure(jobCount, jobs(jobCount)));
}
if (batchCount > 0) {
  report(`${batchCount} batches of ${batchSize}`, "item", await measure(batchCount * batchSize, batches(batchCount)));
}
clearInterval(keepAlive);
await runner.stop(1_000);
await store.close();
rmSync(dir, { recursive: true });
