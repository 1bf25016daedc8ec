/**
 * Outermost interceptor: gives every RPC its request context — the request id
 * (fixed at the HTTP layer by withRequestId; made here for in-memory
 * transports), the procedure and the actor — adds the id to error metadata,
 * and writes one access log line per RPC with its code and duration.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Actor } from "../../domain/events.js";
import { requestContextKey } from "../context.js";
import { requestIdFrom } from "../request-id.js";

/** Creates the request-context interceptor. `actorFor` decides who a request acts for. */
export function createRequestContextInterceptor(options: {
  logger: Logger;
  actorFor: (headers: Headers) => Actor;
}): Interceptor {
  return (next) => async (request) => {
    // Usually fixed already by withRequestId at the HTTP layer; in-memory transports have none.
    const requestId = requestIdFrom(request.header.get("x-request-id"));
    const procedure = `${request.method.parent.typeName}/${request.method.name}`;
    request.contextValues.set(requestContextKey, { requestId, procedure, actor: options.actorFor(request.header) });
    const started = performance.now();
    const done = (error?: unknown) => {
      const code = error === undefined ? "ok" : Code[ConnectError.from(error).code].toLowerCase();
      const ms = Math.round((performance.now() - started) * 1000) / 1000;
      options.logger.info({ requestId, procedure, code, ms }, "rpc");
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
