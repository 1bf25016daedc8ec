/**
 * Rate limits and stream caps per principal. Sits after the auth interceptor
 * (a request is counted against the principal its token proves, and one
 * without a valid token is refused before it can spend anyone's budget) and
 * inside the error interceptor (which logs the refusal at warn). Before
 * validation: an invalid request costs a token like any other.
 *
 * Two token-bucket budgets: `execute` for the RPCs that start work
 * (ExecuteJob, ExecuteBatch, PushEvent), `default` for every other API RPC.
 * Over budget → RESOURCE_EXHAUSTED, ErrorInfo reason `rate_limited`, and the
 * metadata `Retry-After`, `RateLimit-Policy` and `RateLimit` (IETF
 * draft-ietf-httpapi-ratelimit-headers). Connect sends error metadata as HTTP
 * response headers (status 429); gRPC and gRPC-web send it as trailers.
 *
 * Streaming RPCs also hold one of the principal's `maxStreams` slots until
 * they end (completion, error, client cancel or shutdown); one more →
 * RESOURCE_EXHAUSTED `too_many_streams`. Services not listed (health,
 * reflection) are never limited.
 */
import type { ConnectError, Interceptor, StreamResponse } from "@connectrpc/connect";
import { EventService } from "../../../gen/switchyard/v1/event_pb.js";
import { JobService } from "../../../gen/switchyard/v1/job_pb.js";
import { SwitchyardError } from "../../domain/errors.js";
import { requestContextKey } from "../context.js";
import { type StreamSlots, createStreamSlots } from "../stream-slots.js";
import { type RateLimitPolicy, type TokenBuckets, createTokenBuckets } from "../token-bucket.js";
import { toConnectError } from "./errors.js";

/** The RPCs that spend the `execute` budget (`package.Service/Method`). */
export const executeProcedures: ReadonlySet<string> = new Set(
  [JobService.method.executeJob, JobService.method.executeBatch, EventService.method.pushEvent].map(
    (method) => `${method.parent.typeName}/${method.name}`,
  ),
);

export interface RateLimitOptions {
  /** Budget of every limited RPC not in {@link executeProcedures}; absent: unlimited. */
  readonly default?: RateLimitPolicy;
  /** Budget of {@link executeProcedures}; absent: unlimited. */
  readonly execute?: RateLimitPolicy;
  /** Streams a principal may hold open at once; 0: unlimited. */
  readonly maxStreams: number;
  /** Services whose RPCs are limited (the switchyard.v1 API); others pass untouched. */
  readonly services: ReadonlySet<string>;
  /** Monotonic clock in ms, for tests (default `performance.now`). */
  readonly now?: () => number;
}

/** A budget with its buckets and the header value that describes it. */
interface Budget {
  readonly policy: RateLimitPolicy;
  readonly buckets: TokenBuckets;
  /** `"default";q=2000;w=2` */
  readonly policyHeader: string;
}

/** Creates the rate-limit interceptor. */
export function createRateLimitInterceptor(options: RateLimitOptions): Interceptor {
  const budgetOf = (policy: RateLimitPolicy | undefined): Budget | undefined =>
    policy && {
      policy,
      buckets: createTokenBuckets(policy, options.now ? { now: options.now } : {}),
      policyHeader: rateLimitPolicyHeader(policy),
    };
  const defaultBudget = budgetOf(options.default);
  const executeBudget = budgetOf(options.execute);
  const slots = options.maxStreams > 0 ? createStreamSlots(options.maxStreams) : undefined;
  const { services } = options;

  // Not an async function: the common path hands next's promise straight back, one promise fewer per call.
  return (next) => (request) => {
    if (!services.has(request.method.parent.typeName)) return next(request);
    const context = request.contextValues.get(requestContextKey);
    const procedure = context?.procedure ?? `${request.method.parent.typeName}/${request.method.name}`;
    // Without a principal (no auth interceptor installed) every request shares one bucket.
    const principal = context?.principal;
    const key = principal ? `${principal.resourceOwner}\u0000${principal.subject}` : "\u0000";
    const budget = executeProcedures.has(procedure) ? executeBudget : defaultBudget;
    if (budget) {
      const waitMs = budget.buckets.take(key);
      if (waitMs > 0) return Promise.reject(rateLimited(budget, waitMs));
    }
    const kind = request.method.methodKind;
    if (!slots || (kind !== "server_streaming" && kind !== "bidi_streaming")) return next(request);
    return holdStreamSlot(slots, key, options.maxStreams, request.signal, () => next(request));
  };
}

/**
 * Takes a stream slot for the call and gives it back exactly once: when the
 * response stream ends, or when the call's signal aborts (connect aborts it
 * when a call ends for any reason, a client cancel included), or when the
 * handler fails before streaming.
 */
async function holdStreamSlot<R>(
  slots: StreamSlots,
  key: string,
  max: number,
  signal: AbortSignal,
  call: () => Promise<R>,
): Promise<R> {
  if (!slots.acquire(key)) throw tooManyStreams(max);
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    signal.removeEventListener("abort", release);
    slots.release(key);
  };
  signal.addEventListener("abort", release);
  if (signal.aborted) release();
  try {
    const response = await call();
    const stream = response as StreamResponse;
    if (!stream.stream) {
      release();
      return response;
    }
    return { ...stream, message: releaseWhenDone(stream.message, release) } as R;
  } catch (error) {
    release();
    throw error;
  }
}

async function* releaseWhenDone<T>(messages: AsyncIterable<T>, release: () => void): AsyncIterable<T> {
  try {
    yield* messages;
  } finally {
    release();
  }
}

/**
 * `RateLimit-Policy` for a token bucket: the quota `q` is the burst, the
 * window `w` the whole seconds an empty bucket takes to refill (≥ 1).
 */
export function rateLimitPolicyHeader(policy: RateLimitPolicy): string {
  const window = Math.max(1, Math.ceil(policy.burst / policy.perSecond));
  return `"${policy.name}";q=${policy.burst};w=${window}`;
}

function rateLimited(budget: Budget, waitMs: number): ConnectError {
  const { name, perSecond, burst } = budget.policy;
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  const error = toConnectError(
    new SwitchyardError(
      "resource_exhausted",
      "rate_limited",
      `rate limit "${name}" exceeded (${perSecond}/s, burst ${burst}); retry in ${seconds} s`,
      { policy: name, limit_per_second: String(perSecond), burst: String(burst), retry_after_seconds: String(seconds) },
    ),
  );
  error.metadata.set("retry-after", String(seconds));
  error.metadata.set("ratelimit-policy", budget.policyHeader);
  error.metadata.set("ratelimit", `"${name}";r=0;t=${seconds}`);
  return error;
}

function tooManyStreams(max: number): ConnectError {
  return toConnectError(
    new SwitchyardError(
      "resource_exhausted",
      "too_many_streams",
      `at most ${max} streams may be open at once per principal; close one first`,
      { limit: String(max) },
    ),
  );
}
