/**
 * Outermost interceptor: gives every RPC its request context — the request id
 * (fixed at the HTTP layer by withRequestId; made here for in-memory
 * transports) and the procedure; the auth interceptor adds the principal —
 * adds the id to error metadata, and writes one access log line per RPC with
 * its code, duration, and the owner and subject it acted for. The same
 * measurement feeds the RPC metrics (`onRpcDone`).
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { requestContextKey } from "../context.js";
import { requestIdFrom } from "../request-id.js";

/** One finished RPC, as its access log line tells it. */
export interface RpcOutcome {
  /** Fully qualified service name, e.g. `switchyard.v1.TargetService`. */
  readonly service: string;
  readonly method: string;
  /** Connect's spelling of the code: `ok`, `not_found`, `invalid_argument`, … */
  readonly code: string;
  /** From the call reaching the interceptor to its last message (streams: how long they stayed open). */
  readonly seconds: number;
  /** A streaming method (e.g. WatchEvents) rather than a unary one. */
  readonly streaming: boolean;
}

/** Creates the request-context interceptor; `onRpcDone` sees every RPC once, when it ends, and must not throw. */
export function createRequestContextInterceptor(options: { logger: Logger; onRpcDone?: (rpc: RpcOutcome) => void }): Interceptor {
  const { logger, onRpcDone } = options;
  return (next) => async (request) => {
    // Usually fixed already by withRequestId at the HTTP layer; in-memory transports have none.
    const requestId = requestIdFrom(request.header.get("x-request-id"));
    const service = request.method.parent.typeName;
    const method = request.method.name;
    const procedure = `${service}/${method}`;
    const streaming = request.method.methodKind !== "unary";
    request.contextValues.set(requestContextKey, { requestId, procedure, principal: undefined });
    const started = performance.now();
    const done = (error?: unknown) => {
      const code = codeName(outcomeCode(error, request.signal));
      const elapsedMs = performance.now() - started;
      const principal = request.contextValues.get(requestContextKey)?.principal;
      const ms = Math.round(elapsedMs * 1000) / 1000;
      logger.info({ requestId, procedure, code, ms, owner: principal?.resourceOwner, subject: principal?.subject }, "rpc");
      onRpcDone?.({ service, method, code, seconds: elapsedMs / 1000, streaming });
    };
    try {
      // The response header is set once at the HTTP layer (withRequestId).
      const response = await next(request);
      if (!response.stream) {
        done();
        return response;
      }
      return { ...response, message: logWhenDone(response.message, done) };
    } catch (error) {
      // A thrown error carries no response headers of its own: add the id to its metadata.
      const connectError = ConnectError.from(error);
      connectError.metadata.set("x-request-id", requestId);
      done(connectError);
      throw connectError;
    }
  };
}

/**
 * The code of a finished RPC. A handler may end normally after its client went
 * away (a watch stops when the request signal aborts): that is `canceled` (or
 * the signal's own code, e.g. `deadline_exceeded`), not `ok`.
 */
function outcomeCode(error: unknown, signal: AbortSignal): Code | undefined {
  if (error !== undefined) return ConnectError.from(error).code;
  if (!signal.aborted) return undefined;
  return signal.reason instanceof ConnectError ? signal.reason.code : Code.Canceled;
}

/** Connect's spelling of a code, as on the wire: `ok`, `not_found`, `resource_exhausted`, … */
function codeName(code: Code | undefined): string {
  if (code === undefined) return "ok";
  return Code[code].replace(/[a-z][A-Z]/g, (pair) => `${pair[0]}_${pair[1]}`).toLowerCase();
}

async function* logWhenDone<T>(messages: AsyncIterable<T>, done: (error?: unknown) => void): AsyncIterable<T> {
  let ended = false;
  try {
    yield* messages;
    ended = true;
    done();
  } catch (error) {
    ended = true;
    done(error);
    throw error;
  } finally {
    // Stopped from outside (the client went away): still one line, and one count.
    if (!ended) done(new ConnectError("the stream was cancelled", Code.Canceled));
  }
}
