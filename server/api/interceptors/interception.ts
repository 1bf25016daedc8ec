/**
 * Request/response interception of the server's own unary RPCs. The most
 * specific `request` execution for the method runs before the handler — a
 * `rest_call` answer replaces the request, which is validated again — and the
 * most specific `response` execution after it — a `rest_call` answer replaces
 * the response. Every call carries
 * `{fullMethod, resourceOwner, principal, request, response?, headers}`, with
 * only allow-listed headers.
 *
 * The management services (TargetService, ExecutionService) are never matched
 * by `request all` / `response all` (the router sees to that), and a target's
 * `interruptOnError` is ignored on their methods, so a broken target can never
 * lock operators out. A method without a matching execution costs two map
 * lookups.
 */
import { type DescMessage, type DescMethod, type JsonObject, type JsonValue, create, fromJson, toJson } from "@bufbuild/protobuf";
import { type Validator, violationsToProto } from "@bufbuild/protovalidate";
import { Code, ConnectError, type Interceptor, type StreamResponse, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import type { Principal } from "../../auth/principal.js";
import type { Logger } from "pino";
import { ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import type { Actor } from "../../domain/events.js";
import type { Target } from "../../domain/target.js";
import type { StepFailure } from "../../engine/chain.js";
import type { Engine } from "../../engine/engine.js";
import { requestContextKey } from "../context.js";
import { errorDomain } from "./errors.js";

/** Request headers a target sees; never credentials or cookies. */
export const forwardedHeaders: readonly string[] = [
  "accept-language",
  "content-type",
  "traceparent",
  "tracestate",
  "user-agent",
  "x-forwarded-for",
  "x-request-id",
];

export interface InterceptionOptions {
  readonly engine: Pick<Engine, "router" | "runChain">;
  readonly validator: Validator;
  /** Services whose RPCs may be intercepted (the switchyard.v1 API). */
  readonly services: ReadonlySet<string>;
  /** Services on which `interruptOnError` is ignored. */
  readonly managementServices: ReadonlySet<string>;
  readonly logger?: Logger;
}

/** Creates the interception interceptor; it sits inside the validation interceptor. */
export function createInterceptionInterceptor(options: InterceptionOptions): Interceptor {
  const { router } = options.engine;
  /** `/package.Service/Method` of each unary method that may be intercepted; null for the others. */
  const fullMethods = new WeakMap<DescMethod, string | null>();
  const fullMethodOf = (method: DescMethod): string | null => {
    let fullMethod = fullMethods.get(method);
    if (fullMethod === undefined) {
      const intercepted = method.methodKind === "unary" && options.services.has(method.parent.typeName);
      fullMethod = intercepted ? `/${method.parent.typeName}/${method.name}` : null;
      fullMethods.set(method, fullMethod);
    }
    return fullMethod;
  };

  // Not async: an RPC that nothing matches — the common case — goes on with no promise of this interceptor's own.
  return (next) => (request) => {
    const fullMethod = request.stream ? null : fullMethodOf(request.method);
    if (fullMethod === null) return next(request);
    // The auth interceptor put the principal here; it is the actor the chain runs for.
    const actor = request.contextValues.get(requestContextKey)?.principal;
    if (!actor) return next(request);
    const requestTargets = router.rpcTargets(actor.resourceOwner, "request", fullMethod);
    // The response side is looked up after the handler, so a SetExecution it makes counts at once.
    if (requestTargets.length === 0 && router.rpcTargets(actor.resourceOwner, "response", fullMethod).length === 0) return next(request);
    return intercept(next, request as UnaryRequest, fullMethod, actor, requestTargets);
  };

  /** Runs the request execution's targets, the handler, then the response execution's targets. */
  async function intercept(
    next: Parameters<Interceptor>[0],
    request: UnaryRequest,
    fullMethod: string,
    actor: Principal,
    requestTargets: readonly Target[],
  ): Promise<UnaryResponse | StreamResponse> {
    const method = request.method;
    const owner = actor.resourceOwner;
    const management = options.managementServices.has(method.parent.typeName);
    const headers = allowedHeaders(request.header);
    const base = { fullMethod, resourceOwner: owner, principal: principalOf(actor), headers };
    const run = (targets: readonly Target[], payload: JsonValue, envelope: (payload: JsonValue) => JsonObject) =>
      options.engine.runChain({
        actor,
        targets: management ? targets.map(withoutInterrupt) : targets,
        payload,
        envelope,
        signal: request.signal,
      });

    let message = request.message;
    const requestJson = toJson(method.input, message) as JsonValue;
    if (requestTargets.length > 0) {
      const outcome = await run(requestTargets, requestJson, (payload) => ({ ...base, request: payload }));
      if (outcome.interrupted) throw interruption(outcome.interrupted, "request");
      logIgnored(options.logger, fullMethod, outcome.ignoredFailures);
      if (outcome.payload !== requestJson) {
        message = replacement(method.input, outcome.payload, "request");
        const result = options.validator.validate(method.input, message);
        if (result.kind !== "valid") {
          const proto = result.violations && violationsToProto(result.violations);
          const details = proto ? [{ desc: proto[1], value: proto[0] }] : [];
          throw new ConnectError(`the intercepted request is invalid: ${result.error.message}`, Code.InvalidArgument, undefined, details);
        }
      }
    }

    const response = await next({ ...request, message });
    const responseTargets = router.rpcTargets(owner, "response", fullMethod);
    if (responseTargets.length === 0 || response.stream) return response;
    const requestSeen = message === request.message ? requestJson : (toJson(method.input, message) as JsonValue);
    const responseJson = toJson(method.output, response.message) as JsonValue;
    const outcome = await run(responseTargets, responseJson, (payload) => ({ ...base, request: requestSeen, response: payload }));
    if (outcome.interrupted) throw interruption(outcome.interrupted, "response");
    logIgnored(options.logger, fullMethod, outcome.ignoredFailures);
    if (outcome.payload === responseJson) return response;
    return { ...response, message: replacement(method.output, outcome.payload, "response") };
  }
}

function allowedHeaders(headers: Headers): Record<string, string> {
  const allowed: Record<string, string> = {};
  for (const name of forwardedHeaders) {
    const value = headers.get(name);
    if (value !== null) allowed[name] = value;
  }
  return allowed;
}

function principalOf(actor: Actor): JsonObject {
  return { subject: actor.subject, resourceOwner: actor.resourceOwner };
}

function withoutInterrupt(target: Target): Target {
  if (target.targetType.kind === "async" || !target.targetType.interruptOnError) return target;
  return { ...target, targetType: { ...target.targetType, interruptOnError: false } };
}

/** A `rest_call` answer as the request or response message; a shape that does not fit fails the RPC. */
function replacement<Desc extends DescMessage>(schema: Desc, payload: JsonValue, side: "request" | "response") {
  try {
    return fromJson(schema, payload);
  } catch (error) {
    const code = side === "request" ? Code.InvalidArgument : Code.Internal;
    throw new ConnectError(
      `a target's answer does not fit the ${side} (${schema.typeName}): ${(error as Error).message}`,
      code,
      undefined,
      [errorInfo(`intercepted_${side}_invalid`, { message_type: schema.typeName })],
    );
  }
}

/** The error an interrupting target fails the RPC with. */
export function interruption(failure: StepFailure, side: "request" | "response"): ConnectError {
  if (failure.forwarded) {
    return new ConnectError(failure.forwarded.message, codeOfHttpStatus(failure.forwarded.statusCode), undefined, [
      errorInfo("forwarded_by_target", { target_id: failure.targetId, http_status: String(failure.forwarded.statusCode) }),
    ]);
  }
  return new ConnectError(`the ${side} was interrupted: target ${failure.targetId} failed: ${failure.message}`, Code.Unavailable, undefined, [
    errorInfo("target_failed", { target_id: failure.targetId, cause: failure.code, side }),
  ]);
}

/** The Connect code of an HTTP status a target forwards. */
export function codeOfHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.InvalidArgument;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.NotFound;
    case 408:
    case 504:
      return Code.DeadlineExceeded;
    case 409:
      return Code.AlreadyExists;
    case 412:
      return Code.FailedPrecondition;
    case 429:
      return Code.ResourceExhausted;
    case 499:
      return Code.Canceled;
    case 501:
      return Code.Unimplemented;
    case 502:
    case 503:
      return Code.Unavailable;
    default:
      if (status >= 400 && status < 500) return Code.FailedPrecondition;
      if (status >= 500 && status < 600) return Code.Internal;
      return Code.Unknown;
  }
}

function errorInfo(reason: string, metadata: Record<string, string>) {
  return { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: errorDomain, metadata }) };
}

function logIgnored(logger: Logger | undefined, fullMethod: string, failures: readonly StepFailure[]): void {
  for (const failure of failures) {
    logger?.warn({ fullMethod, targetId: failure.targetId, code: failure.code, message: failure.message }, "intercepting target failed; going on");
  }
}
