/**
 * Outermost interceptor: gives every RPC its request context — the request id
 * (fixed at the HTTP layer by withRequestId; made here for in-memory
 * transports) and the procedure; the auth interceptor adds the principal —
 * adds the id to error metadata, and writes one access log line per RPC with
 * its code, duration, and the owner and subject it acted for.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { requestContextKey } from "../context.js";
import { requestIdFrom } from "../request-id.js";

/** Creates the request-context interceptor. */
export function createRequestContextInterceptor(options: { logger: Logger }): Interceptor {
  return (next) => async (request) => {
    // Usually fixed already by withRequestId at the HTTP layer; in-memory transports have none.
    const requestId = requestIdFrom(request.header.get("x-request-id"));
    const procedure = `${request.method.parent.typeName}/${request.method.name}`;
    request.contextValues.set(requestContextKey, { requestId, procedure });
    const started = performance.now();
    const done = (error?: unknown) => {
      const code = error === undefined ? "ok" : Code[ConnectError.from(error).code].toLowerCase();
      const ms = Math.round((performance.now() - started) * 1000) / 1000;
      const principal = request.contextValues.get(requestContextKey)?.principal;
      options.logger.info({ requestId, procedure, code, ms, owner: principal?.resourceOwner, subject: principal?.subject }, "rpc");
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

async function* logWhenDone<T>(messages: AsyncIterable<T>, done: (error?: unknown) => void): AsyncIterable<T> {
  try {
    yield* messages;
    done();
  } catch (error) {
    done(error);
    throw error;
  }
}
