/**
 * Micro-benchmark of the metrics' cost per call: `npx tsx bench/rpc-metrics.ts`.
 *
 * Runs a unary call through the request-context interceptor (silent logger)
 * with a trivial `next`, with and without the RPC metrics observer, on the ok
 * and the error path; the observers on their own (RPC, and a target call);
 * and one scrape of a registry with 40 methods × 3 codes and 100 targets.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type UnaryRequest, type UnaryResponse, createContextValues } from "@connectrpc/connect";
import pino from "pino";
import { Registry } from "prom-client";
import { GetTargetRequestSchema, TargetService } from "../gen/switchyard/v1/target_pb.js";
import { createRequestContextInterceptor } from "../server/api/interceptors/request-context.js";
import { createMetrics } from "../server/metrics/metrics.js";
import { createRpcMetrics } from "../server/metrics/rpc-metrics.js";
import { createTargetCallMetrics } from "../server/metrics/target-call-metrics.js";

const iterations = Number(process.env.BENCH_ITERATIONS ?? 1_000_000);
const method = TargetService.method.getTarget;
const logger = pino({ level: "silent" });

function request(): UnaryRequest {
  return {
    stream: false,
    service: TargetService,
    method,
    requestMethod: "POST",
    url: "http://localhost/",
    signal: new AbortController().signal,
    header: new Headers(),
    contextValues: createContextValues(),
    message: create(GetTargetRequestSchema, { id: "t" }),
  } as UnaryRequest;
}

const response = {} as UnaryResponse;
const ok = async (_request: UnaryRequest) => response;
const notFound = async (_request: UnaryRequest): Promise<UnaryResponse> => {
  throw new ConnectError("no such target", Code.NotFound);
};

async function nsPerCall(call: (request: UnaryRequest) => Promise<unknown>): Promise<number> {
  const requests = Array.from({ length: 1000 }, request);
  for (let i = 0; i < 100_000; i++) await call(requests[i % 1000]!).catch(() => undefined);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await call(requests[i % 1000]!).catch(() => undefined);
  return Number(process.hrtime.bigint() - started) / iterations;
}

function syncNsPerCall(call: (i: number) => unknown): number {
  for (let i = 0; i < 100_000; i++) call(i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) call(i);
  return Number(process.hrtime.bigint() - started) / iterations;
}

const observeRpc = createRpcMetrics(new Registry());
const observeCall = createTargetCallMetrics(new Registry());
const plain = createRequestContextInterceptor({ logger });
const measured = createRequestContextInterceptor({ logger, onRpcDone: observeRpc });
const rpc = { service: TargetService.typeName, method: "GetTarget", code: "ok", seconds: 0.0004, streaming: false };
const callResult = { ok: true, status: 200, latencyMs: 12, headers: {} };

const rows = {
  "next alone (baseline)": await nsPerCall(ok),
  "request context, no metrics, ok": await nsPerCall(plain(ok as never) as never),
  "request context + metrics, ok": await nsPerCall(measured(ok as never) as never),
  "request context, no metrics, not_found": await nsPerCall(plain(notFound as never) as never),
  "request context + metrics, not_found": await nsPerCall(measured(notFound as never) as never),
  "observeRpc alone (counter + histogram)": syncNsPerCall(() => observeRpc(rpc)),
  "observeCall alone, 100 targets": syncNsPerCall((i) => observeCall({ url: "", body: "", headers: {}, timeoutMs: 1, targetId: `t${i % 100}` }, callResult)),
};
for (const [name, ns] of Object.entries(rows)) console.log(`${name.padEnd(42)} ${ns.toFixed(0).padStart(6)} ns/call`);

// A scrape with many series, gauges from a fake store.
const metrics = createMetrics(
  {
    store: {
      deliveryCounts: async () => ({ pending: 1, succeeded: 2, failed: 3, dead: 4 }),
      jobCounts: async () => ({ accepted: 1, running: 2, succeeded: 3, partially_failed: 0, failed: 4, cancelled: 5 }),
      lastPosition: async () => 12345n,
    },
    runner: () => ({ running: 1, queued: 2, admitting: 0 }),
    dispatcher: () => ({ inFlight: 3, queued: 4 }),
  },
  { processMetrics: true },
);
for (let m = 0; m < 40; m++) for (const code of ["ok", "not_found", "invalid_argument"]) metrics.observeRpc({ ...rpc, method: `M${m}`, code });
for (let t = 0; t < 100; t++) metrics.observeCall({ url: "", body: "", headers: {}, timeoutMs: 1, targetId: `t${t}` }, callResult);
const scrapes = 200;
const started = performance.now();
let bytes = 0;
for (let i = 0; i < scrapes; i++) bytes = (await metrics.scrape()).body.length;
console.log(`scrape (120 RPC series, 100 targets)        ${((performance.now() - started) / scrapes).toFixed(2).padStart(6)} ms, ${bytes} bytes`);
