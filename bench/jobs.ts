/**
 * `npm run bench:jobs`: async jobs end to end and batches, against the bare
 * echo baseline served by the same server in the same run.
 *
 * Three processes: this runner (the load generator), `bench/server.ts` (the
 * real app, configured from the environment) and `bench/sink.ts` (a plain
 * node:http receiver answering 204). One `restWebhook` target (interrupting)
 * points at the sink; function executions `bench-warm-up`, `bench-job` and
 * `bench-batch` each run it as their only step.
 *
 * 1. Jobs: `BENCH_JOBS` (20,000) async ExecuteJobs over Connect JSON from 32
 *    closed-loop clients; every job must end SUCCEEDED. Read back with
 *    ListJobs afterwards (nothing polls the jobs while they run: the runner
 *    waits on the sink's count over IPC, then for ListJobs to show none
 *    unfinished). Jobs/s from the first job's `createdAt` to the last one's
 *    `completedAt`; latency `completedAt − createdAt` per job.
 * 2. Baseline: the bare echo SetExecution, as many calls from the same 32
 *    clients, once before and once after the jobs; their mean.
 * 3. Batches: `BENCH_BATCHES` (20) ExecuteBatches of 1,000 items, 4 at a time
 *    (closed loop, GetBatch every 50 ms); items/s from the first batch's
 *    `createdAt` to the last one's `completedAt`, and how long ExecuteBatch
 *    took to answer.
 * 4. Baseline of a batch item: its webhook call as the sink received it,
 *    replayed bare at the sink (20,000 calls, 64 in flight, undici from this
 *    process), with what the call cost this process and the sink.
 *
 * Then the same again on a second server at `SWITCHYARD_JOB_CONCURRENCY=`
 * `BENCH_EXTRA_JOB_CONCURRENCY` (256; 0 leaves it out): with 64 places a job's
 * wait for one, not CPU, decides the latency. `BENCH_CPU_PROF=<dir>` starts
 * the first server with `--cpu-prof` into that directory.
 */
import { readFileSync } from "node:fs";
import { defaultConfig, loadConfig } from "../server/config.js";
import { type BenchServer, type CpuMeter, createForeignCpuMeter, startBenchServer, writeResultsBlock } from "./bench-process.js";
import { distribution } from "./delivery-stats.js";
import { type JsonClient, bareCalls, createEchoPusher, createJobPusher, createJsonClient, readJobs, runBatch, unfinishedJobs } from "./job-load.js";
import { type BatchPhase, type CpuShare, type EchoPhase, type JobPhase, type ServerRun, report } from "./jobs-report.js";
import { pushAsFastAsPossible } from "./push-load.js";
import { type Sink, startSink } from "./sink-client.js";

const jobCount = Number(process.env.BENCH_JOBS ?? 20_000);
const warmUpJobs = Math.min(jobCount, 2_000);
const clients = 32;
const batchCount = Number(process.env.BENCH_BATCHES ?? 20);
const batchSize = 1_000;
const batchesInParallel = 4;
/** The server's caller keeps at most 64 connections to one origin. */
const bareCallsInFlight = 64;
const bareCallCount = 20_000;
const extraConcurrency = Number(process.env.BENCH_EXTRA_JOB_CONCURRENCY ?? 256);
const cpuProfile = process.env.BENCH_CPU_PROF;
const drainTimeoutMs = 300_000;

async function bindFunctions(client: JsonClient, sink: Sink, functions: readonly string[]): Promise<void> {
  const target = await client.post("/switchyard.v1.TargetService/CreateTarget", {
    name: "bench-sink",
    endpoint: sink.url,
    timeout: "5s",
    restWebhook: { interruptOnError: true },
  });
  for (const name of functions) {
    await client.post("/switchyard.v1.ExecutionService/SetExecution", { condition: { function: { name } }, targets: [{ target: target.id }] });
  }
}

async function waitUntil(done: () => Promise<boolean>, pollMs: number, what: string): Promise<void> {
  const deadline = Date.now() + drainTimeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${drainTimeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** What each of the three processes spent per unit of work over `meter`'s spans, and the cores they kept busy together. */
function cpuShare(meter: CpuMeter, server: BenchServer, sink: Sink, units: number): CpuShare {
  const [runner, serverMicros, sinkMicros] = [process.pid, server.pid, sink.pid].map((pid) => meter.usedMicros(pid)) as [number, number, number];
  return {
    runner: runner / units,
    server: serverMicros / units,
    serverMainThread: meter.mainThreadMicros(server.pid) / units,
    sink: sinkMicros / units,
    cores: (runner + serverMicros + sinkMicros) / meter.wallMicros(),
  };
}

async function echoPhase(server: BenchServer, sink: Sink, client: JsonClient): Promise<EchoPhase> {
  const meter = createForeignCpuMeter(() => [server.pid, sink.pid]);
  meter.start();
  const push = await pushAsFastAsPossible(createEchoPusher(client), { count: jobCount, concurrency: clients, firstN: 0 });
  meter.stop();
  return {
    rate: (push.accepted * 1000) / (push.finishedAt - push.startedAt),
    errors: push.errors,
    cpu: cpuShare(meter, server, sink, push.sent),
  };
}

async function jobPhase(server: BenchServer, sink: Sink, client: JsonClient, fn: string, count: number): Promise<JobPhase> {
  await sink.reset();
  const meter = createForeignCpuMeter(() => [server.pid, sink.pid]);
  meter.start();
  const push = await pushAsFastAsPossible(createJobPusher(client, fn), { count, concurrency: clients, firstN: 0 });
  // The sink's count costs the server nothing; ListJobs runs only once every step has arrived.
  await waitUntil(async () => (await sink.count()).total >= push.accepted, 20, "the jobs' webhook calls");
  await waitUntil(async () => (await unfinishedJobs(client, fn)) === 0, 20, "the jobs to end");
  meter.stop();
  const jobs = await readJobs(client, fn);
  const first = Math.min(...jobs.map((job) => job.createdAt));
  const last = Math.max(...jobs.map((job) => job.completedAt));
  return {
    push,
    jobs: jobs.length,
    succeeded: jobs.filter((job) => job.status === "JOB_STATUS_SUCCEEDED").length,
    jobsPerSecond: (jobs.length * 1000) / (last - first),
    acceptToComplete: distribution(jobs.map((job) => job.completedAt - job.createdAt)),
    acceptToStart: distribution(jobs.map((job) => job.startedAt - job.createdAt)),
    startToComplete: distribution(jobs.map((job) => job.completedAt - job.startedAt)),
    answered: distribution(push.responseMs),
    foreignCores: meter.foreignCores(),
    cpu: cpuShare(meter, server, sink, jobs.length),
  };
}

async function batchPhase(server: BenchServer, sink: Sink, client: JsonClient): Promise<BatchPhase> {
  await sink.reset();
  const meter = createForeignCpuMeter(() => [server.pid, sink.pid]);
  meter.start();
  let next = 0;
  const batches: Awaited<ReturnType<typeof runBatch>>[] = [];
  const worker = async () => {
    while (next++ < batchCount) batches.push(await runBatch(client, "bench-batch", batchSize, 50));
  };
  await Promise.all(Array.from({ length: batchesInParallel }, worker));
  meter.stop();
  // The baseline: a batch item's webhook call as the sink received it, replayed bare (the server is idle meanwhile).
  const { sample } = await sink.report();
  if (!sample) throw new Error("the sink received no call to replay");
  const bare = await bareCalls(sink, sample, bareCallsInFlight, bareCallCount);
  const items = batches.reduce((sum, batch) => sum + batch.total, 0);
  const first = Math.min(...batches.map((batch) => batch.createdAt));
  const last = Math.max(...batches.map((batch) => batch.completedAt));
  return {
    batches: batches.length,
    batchSize,
    inParallel: batchesInParallel,
    items,
    succeeded: batches.reduce((sum, batch) => sum + batch.succeeded, 0),
    allSucceeded: batches.every((batch) => batch.status === "JOB_STATUS_SUCCEEDED"),
    itemsPerSecond: (items * 1000) / (last - first),
    perBatch: distribution(batches.map((batch) => batch.completedAt - batch.createdAt)),
    answered: distribution(batches.map((batch) => batch.answeredInMs)),
    bare,
    foreignCores: meter.foreignCores(),
    cpu: cpuShare(meter, server, sink, items),
  };
}

/** One server: warm-up, echo, jobs, echo, batches. */
async function measureServer(sink: Sink, env: Record<string, string>, nodeArgs: string[]): Promise<ServerRun> {
  const server = await startBenchServer(env, nodeArgs);
  const client = createJsonClient(server.baseUrl, clients + batchesInParallel);
  try {
    await bindFunctions(client, sink, ["bench-warm-up", "bench-job", "bench-batch"]);
    await echoPhase(server, sink, client); // warm-up of both paths
    await jobPhase(server, sink, client, "bench-warm-up", warmUpJobs);
    const echoBefore = await echoPhase(server, sink, client);
    log(`echo: ${Math.round(echoBefore.rate)} req/s`);
    const jobs = await jobPhase(server, sink, client, "bench-job", jobCount);
    log(`jobs: ${Math.round(jobs.jobsPerSecond)} jobs/s, p50 ${jobs.acceptToComplete.p50} ms, p99 ${jobs.acceptToComplete.p99} ms`);
    const echoAfter = await echoPhase(server, sink, client);
    log(`echo: ${Math.round(echoAfter.rate)} req/s`);
    const batches = batchCount === 0 ? undefined : await batchPhase(server, sink, client);
    if (batches) log(`batches: ${Math.round(batches.itemsPerSecond)} items/s`);
    return { echo: [echoBefore, echoAfter], jobs, ...(batches ? { batches } : {}) };
  } finally {
    await client.close();
    await server.stop();
  }
}

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(", ");

const { jobConcurrency } = loadConfig(process.env);
const sink = await startSink();
try {
  const loadBefore = loadAverage();
  const profileArgs = cpuProfile ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfile}`] : [];
  const label = (concurrency: number) => `job concurrency ${concurrency}${concurrency === defaultConfig.jobConcurrency ? " (default)" : ""}`;
  const runs = [{ label: label(jobConcurrency), ...(await measureServer(sink, {}, profileArgs)) }];
  if (extraConcurrency > 0) {
    const env = { SWITCHYARD_JOB_CONCURRENCY: String(extraConcurrency) };
    runs.push({ label: label(extraConcurrency), ...(await measureServer(sink, env, [])) });
  }
  const text = report({ jobConcurrency, clients, loadBefore, loadAfter: loadAverage(), runs });
  writeResultsBlock("jobs", text);
  console.log(`\n${text}`);
} finally {
  sink.stop();
}
