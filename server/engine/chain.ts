/**
 * Runs a chain: the resolved targets of one execution, in order, over one
 * payload (an intercepted request or response, or a job's input).
 *
 * - `webhook` waits; its body is ignored.
 * - `call` waits; its JSON body replaces the payload the next target (and the
 *   caller of the chain) sees. A body that is not JSON is a failure.
 * - `async` never blocks: the call is handed to `enqueueAsync` (the durable
 *   outbox) and the chain moves on.
 *
 * A failure stops the chain only when the target has `interruptOnError`;
 * otherwise it is recorded and the chain goes on. A 2xx answer
 * `{"forwardedStatusCode": N, "forwardedErrorMessage": "…"}` is such a failure:
 * from a target with `interruptOnError` it stops the chain with that status, to
 * fail the RPC with it; from any other it is passed over and replaces nothing.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { jsonDepth, maxJsonDepth } from "../domain/json-depth.js";
import type { Target } from "../domain/target.js";
import type { CircuitBreakers } from "./circuit-breaker.js";
import type { CallResult, HttpCaller } from "./http-caller.js";
import { signingKeysOf } from "./webhook-signature.js";

/** Why a step failed. */
export interface StepFailure {
  readonly targetId: string;
  readonly code: string;
  readonly message: string;
  /** HTTP status of the answer, when one arrived. */
  readonly httpStatus?: number;
  /** Set when the target asked to fail the RPC with this HTTP status. */
  readonly forwarded?: { readonly statusCode: number; readonly message: string };
}

export interface ChainOutcome {
  /** The payload after every `call` step that ran. */
  readonly payload: JsonValue;
  /** The failure that stopped the chain (a target with `interruptOnError`). */
  readonly interrupted?: StepFailure;
  /** Failures of targets without `interruptOnError`, which the chain went past. */
  readonly ignoredFailures: readonly StepFailure[];
}

export interface ChainOptions {
  readonly targets: readonly Target[];
  readonly payload: JsonValue;
  /** The body of every call, around the current payload. */
  readonly envelope: (payload: JsonValue) => JsonObject;
  /** `webhook-id` of the call to the target at `index`: stable across retries of the same step. */
  readonly messageId: (target: Target, index: number) => string;
  readonly caller: HttpCaller;
  readonly breakers: CircuitBreakers;
  /** Hands a `rest_async` call to the durable outbox. */
  readonly enqueueAsync: (target: Target, body: JsonObject, messageId: string) => Promise<void>;
  /** Signs a JWT payload with the server's key (targets with `payloadType` JWT). */
  readonly signJwt?: (payload: object) => string;
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
  /** Told after each step ends (with its failure, if it failed), before the next one starts. */
  readonly onStep?: (index: number, failure?: StepFailure) => void | Promise<void>;
}

/** Runs the chain; never throws for a target's failure. */
export async function runChain(options: ChainOptions): Promise<ChainOutcome> {
  const now = options.now ?? (() => new Date());
  const ignoredFailures: StepFailure[] = [];
  let payload = options.payload;
  for (const [index, target] of options.targets.entries()) {
    const messageId = options.messageId(target, index);
    if (target.targetType.kind === "async") {
      await options.enqueueAsync(target, options.envelope(payload), messageId);
      await options.onStep?.(index);
      continue;
    }
    const outcome = await callStep(options, target, options.envelope(payload), messageId, now());
    if ("failure" in outcome) {
      await options.onStep?.(index, outcome.failure);
      if (target.targetType.interruptOnError) {
        return { payload, interrupted: outcome.failure, ignoredFailures };
      }
      ignoredFailures.push(outcome.failure);
      continue;
    }
    if (target.targetType.kind === "call") payload = outcome.json;
    await options.onStep?.(index);
  }
  return { payload, ignoredFailures };
}

type StepOutcome = { readonly json: JsonValue } | { readonly failure: StepFailure };

async function callStep(
  options: ChainOptions,
  target: Target,
  body: JsonObject,
  messageId: string,
  now: Date,
): Promise<StepOutcome> {
  const fail = (code: string, message: string, forwarded?: StepFailure["forwarded"]): StepOutcome => ({
    failure: { targetId: target.id, code, message, ...(forwarded ? { forwarded } : {}) },
  });
  const permission = options.breakers.canCall(target.id);
  if (!permission.allowed) return fail("circuit_open", `target ${target.id} is failing; calls resume in ${permission.retryAfterMs} ms`);
  const jwt = target.payloadType === "jwt";
  if (jwt && !options.signJwt) return fail("jwt_unavailable", "no server key to sign JWT payloads with");
  const text = jwt ? options.signJwt!(body) : JSON.stringify(body);
  const result = await options.caller.call({
    url: target.endpoint,
    body: text,
    headers: { "content-type": jwt ? "application/jwt" : "application/json" },
    signing: { id: messageId, timestamp: Math.floor(now.getTime() / 1000), keys: signingKeysOf(target, now) },
    timeoutMs: target.timeoutMs,
    targetId: target.id,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!result.ok) {
    // Our own cancellation and the outbound guard's refusal say nothing about the target's health.
    if (result.error?.code !== "aborted" && result.error?.code !== "denied") options.breakers.recordFailure(target.id);
    const failed = fail(result.error?.code ?? "failed", result.error?.message ?? `answered ${result.status}`);
    return result.status > 0 && "failure" in failed ? { failure: { ...failed.failure, httpStatus: result.status } } : failed;
  }
  options.breakers.recordSuccess(target.id);
  const json = parseJson(result);
  const forwarded = forwardedStatus(json);
  // An answer asking to fail the RPC is never a payload: without interruptOnError it is a failure
  // the chain goes past, or a lenient rest_call would hand the RPC `{forwardedStatusCode…}` as its request.
  if (forwarded) return fail("forwarded", forwarded.message, forwarded);
  if (target.targetType.kind === "call" && json === undefined) return fail("invalid_json", "the answer is not JSON");
  // A deeper answer would make every later read of the job (or intercepted message) unreadable to binary clients.
  if (target.targetType.kind === "call" && jsonDepth(json) > maxJsonDepth) {
    return fail("invalid_json", `the answer nests deeper than ${maxJsonDepth} levels`);
  }
  return { json: json ?? null };
}

function parseJson(result: CallResult): JsonValue | undefined {
  if (!result.body || result.body.byteLength === 0 || result.truncated) return undefined;
  try {
    return JSON.parse(Buffer.from(result.body).toString("utf8")) as JsonValue;
  } catch {
    return undefined;
  }
}

function forwardedStatus(json: JsonValue | undefined): StepFailure["forwarded"] | undefined {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return undefined;
  const statusCode = json.forwardedStatusCode;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode)) return undefined;
  const message = typeof json.forwardedErrorMessage === "string" ? json.forwardedErrorMessage : `forwarded status ${statusCode}`;
  return { statusCode, message };
}
