/**
 * The real entry point (`server/main.ts`, what `npm start` runs) in its own
 * process, for tests that crash it (SIGKILL) and start it again on the same file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, expect } from "vitest";
import { postJson } from "./clients.js";
import { type Sink, startSink } from "./sink.js";

export interface SpawnedServer {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly exited: Promise<number | null>;
}

/** Starts server/main.ts on `directory`/switchyard.db (port 0) with `env` added; resolves once it listens. */
export function spawnServer(directory: string, env: Record<string, string>): Promise<SpawnedServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: { ...process.env, SWITCHYARD_PORT: "0", SWITCHYARD_DATABASE: join(directory, "switchyard.db"), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === "listening") resolve({ child, url: String(entry.url), exited });
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

/** A Connect JSON call that must succeed; answers the body. */
export async function callOk(baseUrl: string, method: string, body: unknown): Promise<Record<string, any>> {
  const reply = await postJson(baseUrl, method, body);
  expect(reply.status, reply.text).toBe(200);
  return reply.body as Record<string, any>;
}

/** Waits until `condition` holds, checking every 50 ms; fails naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Per test: a fresh directory, servers started on it, and a slow sink; all killed and removed after the test. */
export interface CrashFixture {
  /** The test's directory (its database is `switchyard.db` in it). */
  directory(): string;
  /** Starts server/main.ts on the directory with `env`. */
  start(): Promise<SpawnedServer>;
  /** A sink answering `answer` after `delayMs`, closed after the test. */
  slowSink(answer: unknown, delayMs: number): Promise<Sink>;
}

/** Registers the hooks of a crash test whose servers all run with `env`. */
export function useCrashFixture(prefix: string, env: Record<string, string>): CrashFixture {
  let directory = "";
  const children: ChildProcess[] = [];
  const sinks: Sink[] = [];
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    for (const sink of sinks.splice(0)) await sink.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return {
    directory: () => directory,
    async start() {
      const started = await spawnServer(directory, env);
      children.push(started.child);
      return started;
    },
    async slowSink(answer, delayMs) {
      const sink = await startSink(() => ({ json: answer, delayMs }));
      sinks.push(sink);
      return sink;
    },
  };
}
