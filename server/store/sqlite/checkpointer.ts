/**
 * WAL checkpoints on a thread of their own.
 *
 * In WAL mode every commit appends pages to the `-wal` file, and by default
 * the connection that commits past 1,000 pages copies them back into the
 * database file (a checkpoint, with an fsync) inside that COMMIT — on the
 * event loop, in the middle of a write. Here a worker thread with its own
 * connection runs `PRAGMA wal_checkpoint(PASSIVE)` shortly after commits:
 * PASSIVE never waits for, nor blocks, the writer or the readers, so the
 * server's thread only appends.
 *
 * The writer's own automatic checkpoint stays on at `fallbackPages`, far
 * above what the worker lets the WAL reach, so the WAL stays bounded should
 * the worker ever fall behind or fail.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type Sqlite from "better-sqlite3";
import type { Logger } from "pino";

export interface Checkpointer {
  /** Notes a commit; the worker checkpoints soon after. Cheap: no message is sent. */
  committed(): void;
  /** Stops the worker and closes its connection. */
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  readonly path: string;
  /** The writer's connection: its automatic checkpoint becomes the fallback. */
  readonly db: Sqlite.Database;
  /** How often the worker looks for new commits. */
  readonly intervalMs?: number;
  /** The writer checkpoints itself once the WAL holds this many pages. */
  readonly fallbackPages?: number;
  readonly busyTimeoutMs?: number;
  readonly logger?: Logger;
}

// Plain JavaScript run with `eval`, so it needs no TypeScript loader in the worker.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const commits = new Int32Array(workerData.commits);
let seen = 0;
const timer = setInterval(() => {
  const now = Atomics.load(commits, 0);
  if (now === seen) return;
  seen = now;
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Starts the checkpoint worker for the database at `path` (a file: `:memory:` has no WAL). */
export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const commits = new Int32Array(new SharedArrayBuffer(4));
  options.db.pragma(`wal_autocheckpoint = ${options.fallbackPages ?? 10_000}`);
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve("better-sqlite3"),
      path: options.path,
      busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
      intervalMs: options.intervalMs ?? 10,
      commits: commits.buffer,
    },
  });
  worker.unref();
  let failed = false;
  worker.on("message", (message: { error?: string }) => {
    if (message.error && !failed) {
      failed = true;
      options.logger?.warn({ error: message.error }, "WAL checkpoint failed; the writer checkpoints itself past the fallback size");
    }
  });
  worker.on("error", (error) => {
    options.logger?.error({ err: error }, "the WAL checkpoint worker stopped; the writer checkpoints itself past the fallback size");
  });
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    committed: () => void Atomics.add(commits, 0, 1),
    async close() {
      // Referenced again, or a process with nothing else to do would exit before the worker has.
      worker.ref();
      worker.postMessage("close");
      await exited;
    },
  };
}
