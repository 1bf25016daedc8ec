/**
 * Calls to targets on worker threads. The same caller as http-caller.ts —
 * undici pool, outbound guard, body limit, timeout, never throws — runs on
 * `threads` worker threads (call-thread.ts), so the HTTP client's own work
 * leaves the event loop that serves RPCs and writes the store: 57–60 µs of
 * that thread's CPU per call in the main thread, 4.5–5.5 µs handed to a
 * thread (bench/README.md, "Call threads").
 *
 * The calls made by one callback (with its microtasks) go to a thread in one
 * message, and each thread answers the calls that ended during one of its
 * turns in one message. An aborted signal reaches the thread as an order to abort.
 * A thread that dies fails its calls in flight as `network` errors, which a
 * job or delivery retries like any other, and is replaced; one that cannot
 * start fails every call, saying why.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { type CallRequest, type CallResult, type HttpCaller, failedCall, msSince } from "./http-caller.js";

/** What a call thread builds its caller from (the caller's other settings keep their defaults): only data, as it crosses to the thread. */
export interface CallThreadSettings {
  /** CIDR ranges targets may reach despite the outbound guard's deny list. */
  readonly allow?: readonly string[];
}

/** A call as it crosses to a thread: no signal, and no target id (metrics stay in the main thread). */
type WireRequest = Omit<CallRequest, "signal" | "targetId">;

/** A caller on threads. */
export interface ThreadedHttpCaller extends HttpCaller {
  /** Resolves once every thread can take calls (about a third of a second); rejects when one could not start. */
  ready(): Promise<void>;
  /** The threads' workers as they are now (a replaced thread has a new one), for diagnostics and tests. */
  workers(): readonly Worker[];
}

/** Main thread → call thread, in arrays: the orders of one callback. */
export type ThreadOrder =
  | { readonly type: "call"; readonly id: number; readonly request: WireRequest; readonly aborted?: true }
  | { readonly type: "abort"; readonly id: number }
  | { readonly type: "close" };

/** Call thread → main thread. */
export type ThreadAnswer =
  | { readonly type: "ready" }
  | { readonly type: "results"; readonly results: readonly { readonly id: number; readonly result: CallResult }[] }
  | { readonly type: "closed" };

interface Pending {
  readonly request: CallRequest;
  readonly resolve: (result: CallResult) => void;
  readonly started: number;
  readonly forgetAbort: () => void;
}

interface CallThread {
  readonly worker: Worker;
  /** Settles when the thread can take calls, or could not start. */
  readonly started: Promise<void>;
  readonly pending: Map<number, Pending>;
  orders: ThreadOrder[];
  ready: boolean;
  closed?: () => void;
}

/**
 * A thread loads call-thread.ts through tsx's ESM loader, as the main thread
 * does; tsx's CommonJS build of that API cannot register it, so the thread
 * imports the ESM build, found through tsx's package exports.
 */
function bootstrapCode(): string {
  const require = createRequire(import.meta.url);
  const tsxPackage = require.resolve("tsx/package.json");
  const { exports } = require("tsx/package.json") as { exports: Record<string, { import: { default: string } }> };
  const tsxApi = pathToFileURL(join(dirname(tsxPackage), exports["./esm/api"]!.import.default)).href;
  const entry = new URL("./call-thread.ts", import.meta.url).href;
  return `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

/** Creates a caller whose calls run on `threads` (≥ 1) worker threads. */
export function createThreadedHttpCaller(
  options: CallThreadSettings & {
    readonly threads: number;
    /** Sees every call's outcome (for metrics), in the main thread; must not throw. */
    readonly onResult?: (request: CallRequest, result: CallResult) => void;
    readonly logger?: Logger;
  },
): ThreadedHttpCaller {
  const { threads: count, onResult, logger, ...settings } = options;
  if (!Number.isInteger(count) || count < 1) throw new Error(`call threads must be an integer ≥ 1, not ${count}`);
  let nextId = 0;
  let closing = false;
  /** Why the threads could not start, once one exited before it was ready. */
  let broken: string | undefined;
  const threads: CallThread[] = [];
  const bootstrap = bootstrapCode();

  const failure = (started: number, message: string): CallResult => failedCall(msSince(started), { code: "network", message });

  function settle(pending: Pending, result: CallResult): void {
    pending.forgetAbort();
    onResult?.(pending.request, result);
    pending.resolve(result);
  }

  function send(thread: CallThread, order: ThreadOrder): void {
    // Sent when the running callback and its microtasks are done, not at the end of the turn: a
    // busy turn lasts milliseconds, and waiting for it added them to every call (bench/README.md).
    if (thread.orders.length === 0) {
      queueMicrotask(() => {
        const orders = thread.orders;
        thread.orders = [];
        if (orders.length > 0) thread.worker.postMessage(orders);
      });
    }
    thread.orders.push(order);
  }

  function start(): CallThread {
    const worker = new Worker(bootstrap, { eval: true, workerData: { settings } });
    let started!: { resolve: () => void; reject: (error: Error) => void };
    const thread: CallThread = {
      worker,
      started: new Promise<void>((resolve, reject) => (started = { resolve, reject })),
      pending: new Map(),
      orders: [],
      ready: false,
    };
    thread.started.catch(() => {});
    worker.unref();
    worker.on("message", (answer: ThreadAnswer) => {
      if (answer.type === "ready") {
        thread.ready = true;
        started.resolve();
      } else if (answer.type === "closed") {
        thread.closed?.();
      } else {
        for (const { id, result } of answer.results) {
          const pending = thread.pending.get(id);
          if (!pending) continue;
          thread.pending.delete(id);
          // A body crosses as a plain Uint8Array; callers get the Buffer the in-thread caller gives.
          const body = result.body && Buffer.from(result.body.buffer, result.body.byteOffset, result.body.byteLength);
          settle(pending, body ? { ...result, body } : result);
        }
        if (thread.pending.size === 0) worker.unref();
      }
    });
    worker.on("error", (error) => {
      if (!thread.ready) {
        broken ??= `a call thread could not start: ${error.message}`;
        started.reject(new Error(broken, { cause: error }));
      }
      logger?.error({ err: error }, "a call thread failed");
    });
    worker.on("exit", (code) => {
      const index = threads.indexOf(thread);
      if (!thread.ready) {
        broken ??= `a call thread could not start: it exited with code ${code}`;
        started.reject(new Error(broken));
      }
      const message = thread.ready ? `the call thread exited (code ${code}) before the target answered` : broken!;
      for (const pending of thread.pending.values()) settle(pending, failure(pending.started, message));
      thread.pending.clear();
      thread.closed?.();
      if (closing || index < 0) return;
      if (!thread.ready) {
        threads.splice(index, 1);
        return;
      }
      logger?.warn({ code }, "a call thread exited; starting another");
      threads[index] = start();
    });
    return thread;
  }

  for (let index = 0; index < count; index++) threads.push(start());

  /** The thread with the fewest calls in flight. */
  const leastBusy = (): CallThread | undefined =>
    threads.reduce<CallThread | undefined>((best, thread) => (!best || thread.pending.size < best.pending.size ? thread : best), undefined);

  return {
    ready: async () => {
      await Promise.all(threads.map((thread) => thread.started));
    },
    workers: () => threads.map((thread) => thread.worker),
    call(request) {
      const started = performance.now();
      return new Promise<CallResult>((resolve) => {
        const thread = leastBusy();
        if (closing || broken || !thread) {
          const pending = { request, resolve, started, forgetAbort: () => {} };
          return settle(pending, failure(started, closing ? "the caller is closed" : (broken ?? "no call thread")));
        }
        const id = nextId++;
        const { signal, targetId: _targetId, ...wire } = request;
        const onAbort = () => send(thread, { type: "abort", id });
        signal?.addEventListener("abort", onAbort, { once: true });
        thread.pending.set(id, { request, resolve, started, forgetAbort: () => signal?.removeEventListener("abort", onAbort) });
        // Only a thread with calls in flight keeps the process alive, as an idle socket would not.
        if (thread.pending.size === 1) thread.worker.ref();
        send(thread, { type: "call", id, request: wire, ...(signal?.aborted ? { aborted: true as const } : {}) });
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      await Promise.all(
        threads.map(async (thread) => {
          const closed = new Promise<void>((resolve) => (thread.closed = resolve));
          send(thread, { type: "close" });
          thread.worker.ref();
          await closed;
          await thread.worker.terminate();
        }),
      );
    },
  };
}
