/**
 * Given-steps for request/response interception tests: real sinks closed after
 * each test, targets pointing at them, and request/response executions.
 */
import { afterEach } from "vitest";
import { type CreatedTarget, createTarget, setExecution, target, uniqueName } from "./api-fixtures.js";
import { type Sink, type SinkResponder, startSink } from "./sink.js";

/** Full method names of the RPCs the interception tests call. */
export const methods = {
  pushEvent: "/switchyard.v1.EventService/PushEvent",
  listEvents: "/switchyard.v1.EventService/ListEvents",
  createTarget: "/switchyard.v1.TargetService/CreateTarget",
} as const;

/** Registers an afterEach that closes every sink started through the returned function. */
export function useSinks(): (responder?: SinkResponder) => Promise<Sink> {
  const open: Sink[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((sink) => sink.close()));
  });
  return async (responder) => {
    const sink = await startSink(responder);
    open.push(sink);
    return sink;
  };
}

/** The target type fields of a CreateTargetRequest. */
export const restCall = (interruptOnError = false) => ({ restCall: { interruptOnError } });
export const restWebhook = (interruptOnError = false) => ({ restWebhook: { interruptOnError } });
export const restAsync = () => ({ restAsync: {} });

/** Creates a target of `type` calling `sink`. */
export function sinkTarget(baseUrl: string, sink: Sink, type: Record<string, unknown>): Promise<CreatedTarget> {
  // `undefined` drops targetRequest's default type from the JSON body.
  return createTarget(baseUrl, uniqueName("intercept"), { endpoint: sink.url, restWebhook: undefined, ...type });
}

/** An RPC selector: a full method (`/pkg.Svc/M`), a service (`pkg.Svc`) or `"all"`. */
export function rpcCondition(side: "request" | "response", selector: string): Record<string, unknown> {
  const rpc = selector === "all" ? { all: true } : selector.startsWith("/") ? { method: selector } : { service: selector };
  return { [side]: rpc };
}

/** Binds `selector` on `side` to the targets, in order (none: removes the execution). */
export function bindRpc(
  baseUrl: string,
  side: "request" | "response",
  selector: string,
  targets: readonly CreatedTarget[],
): Promise<unknown> {
  return setExecution(baseUrl, rpcCondition(side, selector), targets.map((created) => target(created.id)));
}

/** What an intercepting target receives. The fields are `any`: tests assert their exact shape. */
export interface InterceptionBody {
  fullMethod: string;
  resourceOwner: string;
  principal: any;
  request: any;
  response?: any;
  headers: Record<string, string>;
}
