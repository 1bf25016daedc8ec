/**
 * Per-request data, carried in Connect context values and filled by the
 * request-context interceptor; never in module globals.
 */
import { type HandlerContext, createContextKey } from "@connectrpc/connect";
import type { Actor } from "../domain/events.js";

/**
 * What every handler knows about the request it serves. A plain object with
 * plain fields: it is made for every RPC, and an object literal with an
 * accessor (say, a lazily made child logger) measured ~13 µs per call.
 * Log lines about a request carry `requestId` and `procedure` as fields.
 */
export interface RequestContext {
  readonly requestId: string;
  /** `package.Service/Method`. */
  readonly procedure: string;
  readonly actor: Actor;
}

/** Until authentication lands, every request acts for this owner. */
export const defaultActor: Actor = { resourceOwner: "default", subject: "anonymous" };

/** Context key of the {@link RequestContext}; the default serves handlers called without the interceptor (tests). */
export const requestContextKey = createContextKey<RequestContext | undefined>(undefined, {
  description: "switchyard request context",
});

/** The request context of a handler call. */
export function requestContext(context: HandlerContext): RequestContext {
  const value = context.values.get(requestContextKey);
  if (!value) throw new Error("request context missing: the request-context interceptor is not installed");
  return value;
}

/** The actor a handler call acts for. */
export function actorOf(context: HandlerContext): Actor {
  return requestContext(context).actor;
}
