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
import { processCpuMicros } from "./bench-process.js";
import { batchSize, createStoreHarness } from "./store-harness.js";

const jobCount = Number(process.env.STORE_JOBS ?? 20_000);
const batchCount = Number(process.env.STORE_BATCHES ?? 20);
const callers = 32;
const batchesAtOnce = 4;

const dir = mkdtempSync(join(tmpdir(), "store-jobs-"));
const harness = await createStoreHarness(join(dir, "bench.db"));
let finished = 0;
let allFinished: (() => void) | undefined;
let expected = 0;
harness.onSucceeded(() => {
  if (++finished === expected) allFinished?.();
});

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

/** Accepts `count` jobs; every accept must succeed. */
async function jobs(count: number): Promise<void> {
  const [error] = await harness.acceptJobs(count, callers);
  if (error !== undefined) throw error;
}

await measure(2_000, () => jobs(2_000));
if (jobCount > 0) report(`${jobCount} jobs`, "job", await measure(jobCount, () => jobs(jobCount)));
if (batchCount > 0) {
  report(`${batchCount} batches of ${batchSize}`, "item", await measure(batchCount * batchSize, () => harness.runBatches(batchCount, batchesAtOnce)));
}
await harness.close();
rmSync(dir, { recursive: true });
