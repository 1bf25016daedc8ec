/**
 * `npm run bench:writers`: would a second writer process on the same SQLite
 * file run more jobs? The store part of a job (bench/store-harness.ts: real
 * commands, runner and store, a chain that calls no one) in one writer
 * process, then in two sharing one database file — each with its own
 * connection, runner and group commit, SQLite's write lock between them, as
 * two server processes on one file would be.
 *
 * `WRITERS_JOBS` (20,000) jobs per round from 32 closed-loop callers in all
 * (split evenly over the writers), `WRITERS_ROUNDS` (3) alternating rounds of
 * one and two writers, each on a fresh database. Jobs/s from `go` until the
 * writers together ran every job to SUCCEEDED; CPU per job of the writer
 * processes (all threads, and their main threads). The two-writer median
 * against the one-writer median of the same run is the ratio.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStore } from "../server/store/sqlite/sqlite-store.js";
import { machineLine, median, processCpuMicros, writeResultsBlock } from "./bench-process.js";

const jobCount = Number(process.env.WRITERS_JOBS ?? 20_000);
const rounds = Number(process.env.WRITERS_ROUNDS ?? 3);
const callers = 32;

interface Progress {
  readonly succeeded: number;
  readonly failedAccepts: number;
  readonly accepted: boolean;
}

interface RoundResult {
  readonly writers: number;
  readonly jobsPerSecond: number;
  /** µs per job, all threads of the writers. */
  readonly cpuPerJob: number;
  /** µs per job, the writers' main threads. */
  readonly mainThreadPerJob: number;
  /** CPU used ÷ wall time: how many cores the writers kept busy. */
  readonly coresBusy: number;
  readonly failedAccepts: number;
}

async function round(writers: number): Promise<RoundResult> {
  const dir = mkdtempSync(join(tmpdir(), "store-writers-"));
  const path = join(dir, "bench.db");
  // Migrations and the development master key, before any writer opens the file.
  await (await createSqliteStore({ path })).close();
  const children: ChildProcess[] = [];
  const progress: Progress[] = [];
  try {
    const ready = Array.from({ length: writers }, (_, index) => {
      const child = fork("bench/store-writer.ts", [], { execArgv: ["--import", "tsx"], env: { ...process.env, STORE_DB: path } });
      children.push(child);
      progress.push({ succeeded: 0, failedAccepts: 0, accepted: false });
      return new Promise<void>((resolve, reject) => {
        child.once("exit", (code) => reject(new Error(`writer ${index} exited with ${code}`)));
        child.on("message", (message: Partial<Progress> & { ready?: boolean }) => {
          if (message.ready) resolve();
          else progress[index] = message as Progress;
        });
      });
    });
    await Promise.all(ready);
    const cpu = () => children.map((child) => ({ all: processCpuMicros(child.pid!), main: processCpuMicros(child.pid!, child.pid!) }));
    const cpuBefore = cpu();
    const started = performance.now();
    for (const child of children) child.send({ go: jobCount / writers, callers: callers / writers });
    const done = () => progress.every((p) => p.accepted) && progress.reduce((sum, p) => sum + p.succeeded, 0) >= jobCount;
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = cpu();
    const used = (pick: "all" | "main") => cpuAfter.reduce((sum, now, index) => sum + now[pick] - cpuBefore[index]![pick], 0);
    return {
      writers,
      jobsPerSecond: jobCount / seconds,
      cpuPerJob: used("all") / jobCount,
      mainThreadPerJob: used("main") / jobCount,
      coresBusy: used("all") / 1e6 / seconds,
      failedAccepts: progress.reduce((sum, p) => sum + p.failedAccepts, 0),
    };
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.removeAllListeners("exit");
            child.once("exit", () => resolve());
            child.send({ stop: true });
          }),
      ),
    );
    rmSync(dir, { recursive: true });
  }
}

const results: RoundResult[] = [];
for (let index = 0; index < rounds; index++) {
  for (const writers of [1, 2]) {
    const result = await round(writers);
    results.push(result);
    console.log(
      `${new Date().toISOString().slice(11, 19)} ${writers} writer(s): ${result.jobsPerSecond.toFixed(0)} jobs/s, ` +
        `${result.cpuPerJob.toFixed(0)} µs CPU/job (main threads ${result.mainThreadPerJob.toFixed(0)}), ` +
        `${result.coresBusy.toFixed(2)} cores busy, ${result.failedAccepts} failed accepts`,
    );
  }
}

const of = (writers: number) => results.filter((result) => result.writers === writers);
const row = (writers: number) => {
  const mine = of(writers);
  const rate = median(mine.map((result) => result.jobsPerSecond));
  const ratio = rate / median(of(1).map((result) => result.jobsPerSecond));
  return (
    `| ${writers} | ${mine.map((result) => result.jobsPerSecond.toFixed(0)).join(", ")} | **${rate.toFixed(0)}** | **${ratio.toFixed(2)}** | ` +
    `${median(mine.map((result) => result.cpuPerJob)).toFixed(0)} | ${median(mine.map((result) => result.mainThreadPerJob)).toFixed(0)} | ` +
    `${median(mine.map((result) => result.coresBusy)).toFixed(2)} | ${mine.reduce((sum, result) => sum + result.failedAccepts, 0)} |`
  );
};
const text = [
  machineLine(),
  `${jobCount} jobs per round from ${callers} closed-loop callers in all, ${rounds} alternating rounds, each on a fresh database file.`,
  "",
  "| writer processes | jobs/s per round | median jobs/s | ratio to one writer | CPU µs/job, all threads | main threads µs/job | cores busy | failed accepts |",
  "|---:|---|---:|---:|---:|---:|---:|---:|",
  row(1),
  row(2),
].join("\n");
console.log(`\n${text}`);
writeResultsBlock("writers", text);
