/**
 * The job benchmark's client side over Connect JSON, every request with the
 * runners' common headers (`jsonHeaders`: the development key): ExecuteJob
 * and echo loads shaped as `Pusher`s (so `pushAsFastAsPossible` of
 * `bench/push-load.ts` drives them), reading a run's jobs back with ListJobs,
 * and waiting for batches with GetBatch.
 */
import { Pool } from "undici";
import { jsonHeaders } from "./bench-process.js";
import type { Pusher } from "./push-load.js";

/** A keep-alive pool of Connect JSON connections to the bench server. */
export interface JsonClient {
  /** POSTs `body` to `path`; answers the parsed response, throws on a non-200 answer. */
  post(path: string, body: string | object): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Creates a client with `connections` keep-alive connections to `baseUrl`. */
export function createJsonClient(baseUrl: string, connections: number): JsonClient {
  const pool = new Pool(baseUrl, { connections, keepAliveTimeout: 60_000 });
  return {
    async post(path, body) {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      const response = await pool.request({ method: "POST", path, headers: jsonHeaders, body: text });
      const answer = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}: ${answer}`);
      return JSON.parse(answer) as Record<string, unknown>;
    },
    close: () => pool.close(),
  };
}

const jobService = "/switchyard.v1.JobService";

/** A pusher whose `push(n)` is one async ExecuteJob of `fn` with input `{n}`. */
export function createJobPusher(client: JsonClient, fn: string): Pusher {
  return {
    async push(n) {
      const sentAt = performance.now();
      await client.post(`${jobService}/ExecuteJob`, `{"operation":{"function":"${fn}","input":{"n":${n}}}}`);
      return performance.now() - sentAt;
    },
    close: async () => {},
  };
}

/** A pusher whose `push(n)` is one call of the bench server's bare echo SetExecution, a request of about ExecuteJob's size. */
export function createEchoPusher(client: JsonClient): Pusher {
  return {
    async push(n) {
      const sentAt = performance.now();
      await client.post(
        "/switchyard.bench.EchoService/SetExecution",
        `{"condition":{"function":{"name":"bench-job-${n}"}},"targets":[{"target":"t"}]}`,
      );
      return performance.now() - sentAt;
    },
    close: async () => {},
  };
}

/** A job as ListJobs answers it: status and times (ms since the epoch, the server's clock, ms resolution). */
export interface JobTimes {
  readonly status: string;
  readonly createdAt: number;
  readonly startedAt: number;
  readonly completedAt: number;
}

/** How many jobs of `fn` are still ACCEPTED or RUNNING (one ListJobs with a page of one). */
export async function unfinishedJobs(client: JsonClient, fn: string): Promise<number> {
  const page = await client.post(`${jobService}/ListJobs`, {
    function: fn,
    statuses: ["JOB_STATUS_ACCEPTED", "JOB_STATUS_RUNNING"],
    pagination: { limit: 1 },
  });
  return Number((page.pagination as { totalResult?: string } | undefined)?.totalResult ?? 0);
}

/** Every job of `fn`, oldest first, in ListJobs pages of 1,000. */
export async function readJobs(client: JsonClient, fn: string): Promise<JobTimes[]> {
  const jobs: JobTimes[] = [];
  for (;;) {
    const page = await client.post(`${jobService}/ListJobs`, { function: fn, pagination: { offset: jobs.length, limit: 1000, asc: true } });
    const items = (page.jobs ?? []) as Array<Record<string, string>>;
    for (const job of items) {
      jobs.push({
        status: job.status ?? "",
        createdAt: Date.parse(job.createdAt ?? ""),
        startedAt: Date.parse(job.startedAt ?? ""),
        completedAt: Date.parse(job.completedAt ?? ""),
      });
    }
    if (items.length < 1000) return jobs;
  }
}

/** A batch's outcome: status, item counts and times (ms since the epoch, the server's clock). */
export interface BatchTimes {
  readonly status: string;
  readonly total: number;
  readonly succeeded: number;
  readonly createdAt: number;
  readonly completedAt: number;
  /** How long ExecuteBatch took to answer at the client (ms). */
  readonly answeredInMs: number;
}

const terminal = new Set(["JOB_STATUS_SUCCEEDED", "JOB_STATUS_PARTIALLY_FAILED", "JOB_STATUS_FAILED", "JOB_STATUS_CANCELLED"]);

/**
 * ExecuteBatch of `size` items of `fn`, then GetBatch every `pollMs` until
 * the batch has ended (a poll is one indexed read: lighter on the server
 * than a WatchBatch, which re-reads the batch after every job event).
 */
export async function runBatch(client: JsonClient, fn: string, size: number, pollMs: number): Promise<BatchTimes> {
  const items = Array.from({ length: size }, (_, n) => ({ operation: { function: fn, input: { n } } }));
  const sentAt = performance.now();
  const accepted = (await client.post(`${jobService}/ExecuteBatch`, { items })).batch as { id: string };
  const answeredInMs = performance.now() - sentAt;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const batch = (await client.post(`${jobService}/GetBatch`, { id: accepted.id })).batch as Record<string, unknown>;
    if (!terminal.has(batch.status as string)) continue;
    const progress = (batch.progress ?? {}) as { total?: number; succeeded?: number };
    return {
      status: batch.status as string,
      total: progress.total ?? 0,
      succeeded: progress.succeeded ?? 0,
      createdAt: Date.parse(batch.createdAt as string),
      completedAt: Date.parse(batch.completedAt as string),
      answeredInMs,
    };
  }
}

/** What bare calls to the sink cost: the baseline of a batch item's webhook call. */
export interface BareCalls {
  readonly calls: number;
  readonly inFlight: number;
  readonly rate: number;
  /** CPU (µs) per call of this process, the client. */
  readonly clientMicros: number;
  /** CPU (µs) per call of the sink. */
  readonly sinkMicros: number;
}

/**
 * Replays `sample` (a request as the sink received it: its headers and body)
 * at the sink `calls` times, `inFlight` at a time, through an undici pool
 * dispatching as the server's caller does — the HTTP half of a batch item
 * with nothing else around it. The first fifth warms up and is not counted.
 */
export async function bareCalls(
  sink: { readonly url: string; cpuMicros(): number },
  sample: { readonly headers: Record<string, string>; readonly body: string },
  inFlight: number,
  calls: number,
): Promise<BareCalls> {
  const url = new URL(sink.url);
  const { host: _host, connection: _connection, "content-length": _length, "transfer-encoding": _encoding, ...headers } = sample.headers;
  const pool = new Pool(url.origin, { connections: inFlight, keepAliveTimeout: 60_000 });
  const call = () =>
    new Promise<void>((resolve, reject) => {
      let status = 0;
      pool.dispatch(
        { path: url.pathname, method: "POST", headers, body: sample.body },
        {
          onConnect() {},
          onHeaders: (statusCode: number) => ((status = statusCode), true),
          onData: () => true,
          onComplete: () => (status >= 200 && status < 300 ? resolve() : reject(new Error(`the bare sink answered ${status}`))),
          onError: reject,
        } as never,
      );
    });
  const run = async (count: number) => {
    let next = 0;
    const worker = async () => {
      while (next++ < count) await call();
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  };
  try {
    await run(Math.ceil(calls / 5));
    const [client, sinkBefore, startedAt] = [process.cpuUsage(), sink.cpuMicros(), performance.now()];
    await run(calls);
    const seconds = (performance.now() - startedAt) / 1000;
    const used = process.cpuUsage(client);
    return { calls, inFlight, rate: calls / seconds, clientMicros: (used.user + used.system) / calls, sinkMicros: (sink.cpuMicros() - sinkBefore) / calls };
  } finally {
    await pool.close();
  }
}
