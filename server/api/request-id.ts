/**
 * Request ids: the client's `x-request-id` when it is sane, else a new UUID.
 * Assigned at the HTTP layer so that every response carries one, including
 * rejections the Connect router makes before any interceptor runs.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

const saneRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id to use for a request that offered `offered`. */
export function requestIdFrom(offered: string | string[] | null | undefined): string {
  return typeof offered === "string" && saneRequestId.test(offered) ? offered : randomUUID();
}

type NodeHandler = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
) => void;

/** Wraps a Node handler: fixes the request's `x-request-id` and answers it as a response header. */
export function withRequestId<H extends NodeHandler>(handler: H): H {
  return ((request, response) => {
    const requestId = requestIdFrom(request.headers["x-request-id"]);
    request.headers["x-request-id"] = requestId;
    response.setHeader("x-request-id", requestId);
    handler(request, response);
  }) as H;
}
