/**
 * Micro-benchmark of the rate limiter's cost per call: `npx tsx bench/rate-limit.ts`.
 *
 * Runs a unary call through the rate-limit interceptor with a trivial `next`,
 * against the same call without it, and the token bucket on its own; also the
 * refused path (building the RESOURCE_EXHAUSTED error with its headers). One
 * principal, as in `npm run bench`, and 10,000 principals to show the Map at size.
 */
import { create } from "@bufbuild/protobuf";
import { type UnaryRequest, type UnaryResponse, createContextValues } from "@connectrpc/connect";
import { GetTargetRequestSchema, TargetService } from "../gen/switchyard/v1/target_pb.js";
import { requestContextKey } from "../server/api/context.js";
import { createRateLimitInterceptor } from "../server/api/interceptors/rate-limit.js";
import { createTokenBuckets } from "../server/api/token-bucket.js";

const iterations = Number(process.env.BENCH_ITERATIONS ?? 2_000_000);
const services = new Set([TargetService.typeName]);
const method = TargetService.method.getTarget;

function requestFor(subject: string): UnaryRequest {
  const contextValues = createContextValues();
  contextValues.set(requestContextKey, {
    requestId: "r",
    procedure: `${TargetService.typeName}/${method.name}`,
    principal: { resourceOwner: "default", subject, scopes: new Set(["admin"]), tokenKind: "api_key" },
  });
  return {
    stream: false,
    service: TargetService,
    method,
    requestMethod: "POST",
    url: "http://localhost/",
    signal: new AbortController().signal,
    header: new Headers(),
    contextValues,
    message: create(GetTargetRequestSchema, { id: "t" }),
  } as UnaryRequest;
}

const response = {} as UnaryResponse;
const next = async (_request: UnaryRequest) => response;

async function nsPerCall(call: (request: UnaryRequest) => Promise<unknown>, requests: UnaryRequest[]): Promise<number> {
  for (let i = 0; i < 100_000; i++) await call(requests[i % requests.length]!).catch(() => undefined);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await call(requests[i % requests.length]!).catch(() => undefined);
  return Number(process.hrtime.bigint() - started) / iterations;
}

function syncNsPerCall(call: () => unknown): number {
  for (let i = 0; i < 100_000; i++) call();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) call();
  return Number(process.hrtime.bigint() - started) / iterations;
}

const generous = { name: "default", perSecond: 1e12, burst: 1e12 };
const limited = createRateLimitInterceptor({ default: generous, execute: generous, maxStreams: 16, services })(next as never);
const unlimited = createRateLimitInterceptor({ maxStreams: 16, services })(next as never);
const refusing = createRateLimitInterceptor({
  default: { name: "default", perSecond: 1e-9, burst: 1 },
  maxStreams: 16,
  services,
})(next as never);
const one = [requestFor("anonymous")];
const many = Array.from({ length: 10_000 }, (_, i) => requestFor(`subject-${i}`));
const buckets = createTokenBuckets(generous);

const rows = {
  "next alone (baseline)": await nsPerCall(next, one),
  "interceptor, limits on, 1 principal": await nsPerCall(limited as never, one),
  "interceptor, limits on, 10,000 principals": await nsPerCall(limited as never, many),
  "interceptor, limits off (dev default)": await nsPerCall(unlimited as never, one),
  "interceptor, refusing (429 path)": await nsPerCall(refusing as never, one),
  "token bucket take() alone": syncNsPerCall(() => buckets.take("default\u0000anonymous")),
};
const baseline = rows["next alone (baseline)"];
for (const [name, ns] of Object.entries(rows)) {
  const extra = name.startsWith("interceptor") ? `  (+${(ns - baseline).toFixed(0)} ns)` : "";
  console.log(`${name.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns/call${extra}`);
}
