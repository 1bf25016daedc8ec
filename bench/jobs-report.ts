/** The results block of `npm run bench:jobs` for bench/README.md. */
import { cpus } from "node:os";
import { machineLine } from "./bench-process.js";
import { type Distribution, ms } from "./delivery-stats.js";
import type { BareCalls } from "./job-load.js";
import type { PushOutcome } from "./push-load.js";

/** Goals of issue 4 on the 2-core machine. */
export const goals = { jobsPerSecond: 3_000, p99Ms: 100, itemsPerSecond: 10_000 } as const;

/** CPU (µs, all threads) each of the three processes spent per call, job or item, and the cores they kept busy together. */
export interface CpuShare {
  readonly runner: number;
  readonly server: number;
  /** The server's main thread alone (part of `server`). */
  readonly serverMainThread: number;
  readonly sink: number;
  readonly cores: number;
}

/** One round of bare echo calls. */
export interface EchoPhase {
  readonly rate: number;
  readonly errors: number;
  readonly cpu: CpuShare;
}

/** One run of jobs, read back after they ended; times in ms. */
export interface JobPhase {
  readonly push: PushOutcome;
  readonly jobs: number;
  readonly succeeded: number;
  readonly jobsPerSecond: number;
  readonly acceptToComplete: Distribution;
  readonly acceptToStart: Distribution;
  readonly startToComplete: Distribution;
  /** ExecuteJob response times at the client. */
  readonly answered: Distribution;
  readonly foreignCores: number;
  readonly cpu: CpuShare;
}

/** One run of batches. */
export interface BatchPhase {
  readonly batches: number;
  readonly batchSize: number;
  readonly inParallel: number;
  readonly items: number;
  readonly succeeded: number;
  readonly allSucceeded: boolean;
  readonly itemsPerSecond: number;
  /** Each batch's `createdAt → completedAt`. */
  readonly perBatch: Distribution;
  /** ExecuteBatch response times at the client. */
  readonly answered: Distribution;
  /** The baseline: a batch item's webhook call replayed bare at the sink, after the batches. */
  readonly bare: BareCalls;
  readonly foreignCores: number;
  readonly cpu: CpuShare;
}

/** What one server measured. */
export interface ServerRun {
  readonly echo: readonly EchoPhase[];
  readonly jobs: JobPhase;
  readonly batches?: BatchPhase;
}

const verdict = (meets: boolean) => (meets ? "meets" : "**missed**");
const dist = (d: Distribution) => `${ms(d.p50)} | ${ms(d.p90)} | ${ms(d.p99)} | ${ms(d.p999)} | ${ms(d.max)}`;
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const echoRate = (run: ServerRun) => mean(run.echo.map((echo) => echo.rate));
const echoCpu = (run: ServerRun) => mean(run.echo.map((echo) => echo.cpu.server));

function jobRow(run: ServerRun & { label: string }): string {
  const { jobs } = run;
  const complete = jobs.succeeded === jobs.push.sent ? `${jobs.succeeded}` : `${jobs.succeeded} of ${jobs.push.sent} (**not all**)`;
  const meets = jobs.jobsPerSecond >= goals.jobsPerSecond && jobs.acceptToComplete.p99 < goals.p99Ms && jobs.succeeded === jobs.push.sent;
  const errors = jobs.push.errors + run.echo.reduce((sum, echo) => sum + echo.errors, 0);
  return (
    `| ${run.label} | ${Math.round(echoRate(run))} | **${Math.round(jobs.jobsPerSecond)}** | **${(jobs.jobsPerSecond / echoRate(run)).toFixed(3)}** | ` +
    `${ms(jobs.acceptToComplete.p50)} | **${ms(jobs.acceptToComplete.p99)}** | ${verdict(meets)} | ${complete} | ${errors} | ` +
    `${Math.round(echoCpu(run))} | ${Math.round(jobs.cpu.server)} | ${jobs.foreignCores.toFixed(2)} |`
  );
}

function latencyRows(run: ServerRun & { label: string }): string[] {
  const { jobs } = run;
  const pushSeconds = (jobs.push.finishedAt - jobs.push.startedAt) / 1000;
  return [
    `| **${run.label}: accept → complete** | ${dist(jobs.acceptToComplete)} |`,
    `| accept → start (queued in the store; 0 when a place was free at the accept) | ${dist(jobs.acceptToStart)} |`,
    `| start → complete (webhook call, final event) | ${dist(jobs.startToComplete)} |`,
    `| ExecuteJob answered at the client (${Math.round(jobs.push.sent / pushSeconds)}/s) | ${dist(jobs.answered)} |`,
  ];
}

function batchRow(run: ServerRun & { label: string }): string[] {
  const { batches } = run;
  if (!batches) return [];
  return [
    `| ${run.label} | ${batches.items} | **${Math.round(batches.itemsPerSecond)}** | ${verdict(batches.itemsPerSecond >= goals.itemsPerSecond && batches.allSucceeded)} | ` +
      `${batches.succeeded}${batches.allSucceeded ? "" : " (**not all**)"} | ${ms(batches.perBatch.p50)} / ${ms(batches.perBatch.max)} | ` +
      `${ms(batches.answered.p50)} / ${ms(batches.answered.max)} | ${Math.round(batches.cpu.server)} | ${batches.foreignCores.toFixed(2)} |`,
  ];
}

const total = (cpu: CpuShare) => cpu.runner + cpu.server + cpu.sink;
/** The rate a unit of work costing `micros` of CPU reaches with every core busy on it. */
const ceiling = (micros: number) => (cpus().length * 1_000_000) / micros;

function cpuRows(run: ServerRun & { label: string }): string[] {
  const echo: CpuShare = {
    runner: mean(run.echo.map((phase) => phase.cpu.runner)),
    server: mean(run.echo.map((phase) => phase.cpu.server)),
    serverMainThread: mean(run.echo.map((phase) => phase.cpu.serverMainThread)),
    sink: mean(run.echo.map((phase) => phase.cpu.sink)),
    cores: mean(run.echo.map((phase) => phase.cpu.cores)),
  };
  const row = (work: string, cpu: CpuShare, rate: number) =>
    `| ${run.label} | ${work} | ${Math.round(cpu.runner)} | ${Math.round(cpu.server)} | ${Math.round(cpu.serverMainThread)} | ` +
    `${Math.round(cpu.sink)} | ${Math.round(total(cpu))} | ${cpu.cores.toFixed(2)} | ${Math.round(ceiling(total(cpu)))} | ` +
    `${Math.round(1_000_000 / cpu.serverMainThread)} | ${Math.round(rate)} |`;
  return [
    row("echo call", echo, echoRate(run)),
    row("job", run.jobs.cpu, run.jobs.jobsPerSecond),
    ...(run.batches ? [row("batch item", run.batches.cpu, run.batches.itemsPerSecond)] : []),
  ];
}

/**
 * The least a job can cost the machine: what the bare echo costs the runner
 * and the server per call (a job is one such call, and more) plus what the
 * sink spends on one receipt.
 */
function jobFloor(run: ServerRun): number {
  return mean(run.echo.map((phase) => phase.cpu.runner + phase.cpu.server)) + run.jobs.cpu.sink;
}

/** A batch item against its own webhook call replayed bare: what the rest of the item costs the machine. */
function bareCallLine(run: ServerRun & { label: string }): string[] {
  const { batches } = run;
  if (!batches) return [];
  const { bare } = batches;
  const call = bare.clientMicros + bare.sinkMicros;
  const item = total(batches.cpu);
  const allowed = (cpus().length * 1_000_000) / goals.itemsPerSecond;
  return [
    `${run.label}: a batch item's webhook call replayed bare at the sink (${bare.calls} calls, ${bare.inFlight} in flight, undici) cost ` +
      `${bare.clientMicros.toFixed(1)} µs at the client and ${bare.sinkMicros.toFixed(1)} at the sink, ${Math.round(bare.rate)} calls/s. ` +
      `A batch item cost the machine ${Math.round(item)} µs, **${(item / call).toFixed(2)}× the bare call**; the rest (the store, the runner, ` +
      `the hand-over to the call thread) ${Math.round(item - call)} µs. ${goals.itemsPerSecond} items/s on ${cpus().length} cores allows ` +
      `${Math.round(allowed)} µs per item in all.`,
  ];
}

/** The whole block: machine and load, jobs against the echo, where a job's time goes, batches. */
export function report(options: {
  jobConcurrency: number;
  clients: number;
  loadBefore: string;
  loadAfter: string;
  runs: ReadonlyArray<ServerRun & { label: string }>;
}): string {
  const { runs } = options;
  const first = runs[0]!;
  const batches = first.batches;
  const lines = [
    machineLine(),
    `load average (1, 5, 15 min) ${options.loadBefore} before, ${options.loadAfter} after; "other cores": CPU used by the machine's other processes meanwhile.`,
    `Servers with the default configuration (interception on, log level info) but for the job concurrency; ${options.clients} closed-loop clients ` +
      "over Connect JSON/HTTP 1.1 with the development key; runner, server and sink in their own processes.",
    "",
    `**Jobs**: ${first.jobs.push.sent} async ExecuteJobs, one \`restWebhook\` step each on the sink. Jobs/s from the first \`createdAt\` to the last ` +
      "`completedAt`; latency `completedAt − createdAt` per job (server clock, ms resolution). Echo: the bare echo SetExecution, as many calls " +
      `from the same clients, mean of a round before and one after the jobs. Goal ≥ ${goals.jobsPerSecond} jobs/s and p99 < ${goals.p99Ms} ms.`,
    "",
    "| server | echo req/s | jobs/s | ratio | p50 ms | p99 ms | goal | SUCCEEDED | errors | echo server CPU µs/call | server CPU µs/job | other cores |",
    "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ...runs.map(jobRow),
    "",
    "| ms | p50 | p90 | p99 | p99.9 | max |",
    "|---|---:|---:|---:|---:|---:|",
    ...runs.flatMap(latencyRows),
    "",
    "**Where the machine's CPU goes**: CPU time (µs, all threads) each process spent per echo call, job or batch item over its phase, and " +
      `the server's main thread alone; cores: how many of the machine's ${cpus().length} the three kept busy together; machine ceiling: ` +
      `${cpus().length} cores ÷ the total, the rate this work would reach at this cost with every core busy on it; main-thread ceiling: ` +
      "one second ÷ the main thread's share, the rate at which the server's event loop would be busy all the time.",
    "",
    "| server | per | runner µs | server µs | server main thread µs | sink µs | total µs | cores busy | machine ceiling /s | main-thread ceiling /s | measured /s |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...runs.flatMap(cpuRows),
    "",
    ...runs.map(
      (run) =>
        `${run.label}: a job costs at least one echo call at the runner and the server plus one receipt at the sink, ` +
        `${Math.round(jobFloor(run))} µs: at most **${Math.round(ceiling(jobFloor(run)))} jobs/s** on this machine, whatever the server does.`,
    ),
  ];
  if (batches) {
    lines.push(
      "",
      `**Batches**: ${batches.batches} ExecuteBatches of ${batches.batchSize} items, ${batches.inParallel} at a time, each followed with GetBatch ` +
        `every 50 ms; items/s from the first batch's \`createdAt\` to the last one's \`completedAt\`. Goal ≥ ${goals.itemsPerSecond} items/s.`,
      "",
      "| server | items | items/s | goal | SUCCEEDED | batch accept → complete p50 / max ms | ExecuteBatch answered p50 / max ms | server CPU µs/item | other cores |",
      "|---|---:|---:|---|---:|---:|---:|---:|---:|",
      ...runs.flatMap(batchRow),
      "",
      ...runs.flatMap(bareCallLine),
    );
  }
  return lines.join("\n");
}
