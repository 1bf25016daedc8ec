/**
 * Runs the real `switchyard` binary (bin/switchyard.mjs) in its own process,
 * the way a shell would: arguments, environment, optional stdin; collects
 * the exit code, stdout and stderr. Not a terminal, so output defaults to
 * JSON and progress to plain lines.
 */
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { devToken } from "./clients.js";
import { afterEach, expect } from "vitest";
import { type Sink, type SinkResponder, startSink as startRecordingSink } from "./sink.js";
import type { RunningServer } from "./start-server.js";
import { useServer } from "./use-server.js";

const binary = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "switchyard.mjs");

/** What one run of the CLI did. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (throws with the output when it is not). */
  json(): any;
}

/** Options of a run: the server and token go in as SWITCHYARD_SERVER / SWITCHYARD_TOKEN (the dev key unless `token: null`). */
export interface CliOptions {
  readonly server?: string;
  readonly token?: string | null;
  readonly stdin?: string;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

/** Runs `switchyard ...args`; never rejects on a non-zero exit. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, SWITCHYARD_SERVER: options.server, SWITCHYARD_TOKEN: options.token === undefined ? devToken : (options.token ?? undefined), ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [binary, ...args], { env, timeout: 30_000, ...(options.cwd ? { cwd: options.cwd } : {}) }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({
        code,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
          }
        },
      });
    });
    child.stdin?.end(options.stdin ?? "");
  });
}

/** Fails with everything the CLI printed unless it exited 0. */
export function ok(run: CliRun): CliRun {
  expect(run.code, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
  return run;
}

/** A real server per test, the CLI pointed at it, and sinks closed after each test. */
export function useCliServer(): {
  readonly server: RunningServer;
  cli(...args: string[]): Promise<CliRun>;
  startSink(responder?: SinkResponder): Promise<Sink>;
} {
  const server = useServer("each");
  const sinks: Sink[] = [];
  afterEach(async () => {
    for (const sink of sinks.splice(0)) await sink.close();
  });
  return {
    server,
    cli: (...args) => runCli(args, { server: server.baseUrl }),
    async startSink(responder) {
      const sink = await startRecordingSink(responder);
      sinks.push(sink);
      return sink;
    },
  };
}
