/**
 * Helpers shared by the benchmark runners: authenticated Connect JSON calls,
 * starting `bench/server.ts` in its own process with environment overrides,
 * reading its CPU time and event-loop utilisation, telling how busy the rest
 * of the machine is, order statistics, and rewriting one results block of
 * bench/README.md.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { createInterface } from "node:readline";
import { benchJsonHeaders } from "./auth.js";

/** Headers of every Connect JSON request the runners send: the content type and the benchmark's token. */
export const jsonHeaders: Readonly<Record<string, string>> = benchJsonHeaders;

/** POSTs `body` as Connect JSON to `path`; answers the parsed response, throws on a non-2xx answer. */
export async function postJson(baseUrl: string, path: string, body: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}${path}`, { method: "POST", headers: jsonHeaders, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} failed: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Cumulative event-loop time of a thread, ms. */
export interface EventLoopTime {
  readonly active: number;
  readonly idle: number;
}

/** The share of the time between `before` and `after` the event loop was running callbacks (0..1). */
export function eventLoopBusy(before: EventLoopTime, after: EventLoopTime): number {
  const active = after.active - before.active;
  return active / (active + after.idle - before.idle);
}

/** A running `bench/server.ts`. */
export interface BenchServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** Its process id. */
  readonly pid: number;
  /** CPU time (user + system, µs) the server process has used so far, all threads (V8's GC helpers too). */
  cpuMicros(): number;
  /** The main thread's event-loop time so far (ms): active (running callbacks) and idle (waiting). */
  eventLoop(): Promise<EventLoopTime>;
  /** SIGTERM, then waits for the process to exit (a `--cpu-prof` profile is written by then). */
  stop(): Promise<void>;
}

/**
 * Starts `bench/server.ts` with `env` added to this process's environment and
 * `nodeArgs` (e.g. `--cpu-prof`) before the script. Its stderr (the access
 * log) is discarded, as in `npm run bench`.
 */
export async function startBenchServer(env: Record<string, string> = {}, nodeArgs: readonly string[] = []): Promise<BenchServer> {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "bench/server.ts"], {
    stdio: ["ignore", "pipe", "ignore"],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    cpuMicros: () => processCpuMicros(child.pid!),
    async eventLoop() {
      const response = await fetch(`http://127.0.0.1:${port}/bench/event-loop`);
      return (await response.json()) as EventLoopTime;
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const clockTicks = 100;

/** CPU time (user + system, µs) process `pid` — or only its thread `tid` — has used so far, from /proc. */
export function processCpuMicros(pid: number, tid?: number): number {
  const fields = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / clockTicks;
}

/** CPU time (µs) all processes of the machine have used so far, from the first line of /proc/stat. */
function machineCpuMicros(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1_000_000) / clockTicks;
}

/**
 * Measures how busy the rest of the machine is: CPU used by processes other
 * than `pids` (this one is always counted as ours), in cores, between `start`
 * and `stop`. Other work on a 2-core machine distorts every number here, so
 * the runners print it beside their results. It also keeps what each of our
 * processes used, all threads and its main thread (the event loop, which
 * bounds what one process can do), so a runner can say where the machine's
 * CPU went.
 */
export function createForeignCpuMeter(pids: () => readonly number[]) {
  const readOurs = () => new Map([process.pid, ...pids()].map((pid) => [pid, { all: processCpuMicros(pid), main: processCpuMicros(pid, pid) }]));
  let start = { at: 0, machine: 0, ours: new Map<number, { all: number; main: number }>() };
  let totals = { wallMicros: 0, foreignMicros: 0 };
  const used = new Map<number, { all: number; main: number }>();
  return {
    start() {
      start = { at: performance.now(), machine: machineCpuMicros(), ours: readOurs() };
    },
    /** Adds the time since `start` to the totals. */
    stop() {
      let ours = 0;
      for (const [pid, now] of readOurs()) {
        const before = start.ours.get(pid) ?? now;
        const sum = used.get(pid) ?? { all: 0, main: 0 };
        used.set(pid, { all: sum.all + now.all - before.all, main: sum.main + now.main - before.main });
        ours += now.all - before.all;
      }
      totals = {
        wallMicros: totals.wallMicros + (performance.now() - start.at) * 1000,
        foreignMicros: totals.foreignMicros + Math.max(0, machineCpuMicros() - start.machine - ours),
      };
    },
    /** Average cores used by other processes over all measured spans. */
    foreignCores: () => (totals.wallMicros === 0 ? 0 : totals.foreignMicros / totals.wallMicros),
    /** CPU time (µs, all threads) process `pid` — this one or one of `pids` — used over all measured spans. */
    usedMicros: (pid: number) => used.get(pid)?.all ?? 0,
    /** The same for its main thread alone. */
    mainThreadMicros: (pid: number) => used.get(pid)?.main ?? 0,
    /** Wall time (µs) of all measured spans. */
    wallMicros: () => totals.wallMicros,
  };
}

export type CpuMeter = ReturnType<typeof createForeignCpuMeter>;

/** The median (upper median for an even count). */
export const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The `p`-th percentile (0..100, nearest rank) of values sorted ascending. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** "Run <date> on <cores> × <cpu>, Node <version>;" for the head of a results block. */
export function machineLine(): string {
  return `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version};`;
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` in bench/README.md. */
export function writeResultsBlock(name: string, text: string): void {
  const readme = readFileSync("bench/README.md", "utf8");
  const block = new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->`);
  if (!block.test(readme)) throw new Error(`bench/README.md has no <!-- ${name}:start --> … <!-- ${name}:end --> block`);
  writeFileSync("bench/README.md", readme.replace(block, () => `<!-- ${name}:start -->\n${text}\n<!-- ${name}:end -->`));
}
