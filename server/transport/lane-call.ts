/**
 * One call as the unary lane (unary-lane.ts) serves it: the request's
 * headers without a copy, its whole body, its URL, and the handler context
 * with what aborts its signal — the client leaving before the answer, or the
 * request's deadline.
 */
import { Code, ConnectError, type HandlerContext, createContextValues } from "@connectrpc/connect";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { NodeHandler } from "./http-routes.js";

type Request = Parameters<NodeHandler>[0];
type Response = Parameters<NodeHandler>[1];

/** The handler context of one call; a class, so its shape is one the engine optimizes. */
export class LaneContext implements HandlerContext {
  readonly service: DescService;
  readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  readonly requestMethod = "POST";
  readonly responseHeader: Headers;
  readonly responseTrailer: Headers;
  readonly values = createContextValues();
  deadlineAt: number | undefined;

  constructor(
    readonly method: DescMethod,
    readonly requestHeader: Headers,
    readonly url: string,
    readonly protocolName: "connect" | "grpc",
    contentType: string,
  ) {
    this.service = method.parent;
    this.responseHeader = new Headers({ "content-type": contentType });
    // gRPC's trailers start as success, as connect-es's handler starts them.
    this.responseTrailer = protocolName === "grpc" ? new Headers({ "grpc-status": "0" }) : new Headers();
  }

  timeoutMs(): number | undefined {
    return this.deadlineAt === undefined ? undefined : this.deadlineAt - Date.now();
  }
}

/** Aborts the context's signal when the client leaves early or the deadline passes, until `done`. */
export function watchRequest(context: LaneContext, response: Response) {
  let timer: NodeJS.Timeout | undefined;
  const onClose = () => {
    if (!response.writableFinished) {
      context.controller.abort(new ConnectError("the client closed the request", Code.Canceled));
    }
  };
  response.once("close", onClose);
  return {
    deadline(timeoutMs: number) {
      context.deadlineAt = Date.now() + timeoutMs;
      timer = setTimeout(() => context.controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);
    },
    done() {
      if (timer) clearTimeout(timer);
      // The answer is about to be written; a close after this point is not the client cancelling.
      response.off("close", onClose);
    },
  };
}

type RawHeaders = Request["headers"];

/**
 * The request's headers as Fetch Headers, read from Node's header object:
 * `get` and `has` — all that interceptors and services call — are a property
 * read; anything else works on a real Headers copy made at its first use.
 * Copying every request's headers up front cost 5–10 µs per call.
 */
export class RequestHeaders implements Headers {
  #copy: Headers | undefined;
  readonly #raw: RawHeaders;

  constructor(raw: RawHeaders) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    if (this.#copy) return this.#copy.get(name);
    const value = this.#raw[name.toLowerCase()];
    // Node's header object has Object's prototype: only own strings and lists are headers.
    if (typeof value === "string") return value;
    return Array.isArray(value) ? value.join(", ") : null;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  set(name: string, value: string): void {
    this.copy().set(name, value);
  }

  append(name: string, value: string): void {
    this.copy().append(name, value);
  }

  delete(name: string): void {
    this.copy().delete(name);
  }

  getSetCookie(): string[] {
    return this.copy().getSetCookie();
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.copy().forEach((value, key) => callback.call(thisArg, value, key, this));
  }

  entries(): HeadersIterator<[string, string]> {
    return this.copy().entries();
  }

  keys(): HeadersIterator<string> {
    return this.copy().keys();
  }

  values(): HeadersIterator<string> {
    return this.copy().values();
  }

  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.copy()[Symbol.iterator]();
  }

  private copy(): Headers {
    this.#copy ??= headersOf(this.#raw);
    return this.#copy;
  }
}

/** Node's request headers as a Fetch Headers copy, without HTTP/2 pseudo-headers. */
function headersOf(raw: RawHeaders): Headers {
  const header = new Headers();
  for (const key in raw) {
    if (key.charCodeAt(0) === 58 /* ":" */) continue;
    const value = raw[key];
    if (typeof value === "string") header.append(key, value);
    else if (value !== undefined) for (const item of value) header.append(key, item);
  }
  return header;
}

/** The call's URL, as connect-es gives it to handlers. */
export function urlOf(request: Request): string {
  const authority = "authority" in request ? request.authority : request.headers.host;
  const scheme = "encrypted" in request.socket && request.socket.encrypted ? "https" : "http";
  return `${scheme}://${authority ?? "localhost"}${request.url ?? "/"}`;
}

/** The whole body, refusing more than `readMaxBytes` (or less or more than a Content-Length promised), as connect-es does. */
export function readBody(request: Request, readMaxBytes: number, lengthHeader: string | null): Promise<Uint8Array> {
  const promised = lengthHeader === null ? undefined : Number(lengthHeader);
  if (promised !== undefined && Number.isSafeInteger(promised) && promised > readMaxBytes) {
    return Promise.reject(
      new ConnectError(`message size ${promised} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > readMaxBytes) {
        cleanup();
        reject(new ConnectError(`message size is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (promised !== undefined && Number.isSafeInteger(promised) && promised !== size) {
        reject(new ConnectError(`protocol error: promised ${promised} bytes, received ${size}`, Code.InvalidArgument));
        return;
      }
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ConnectError(error.message, Code.Canceled, undefined, undefined, error));
    };
    const cleanup = () => {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
    };
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
  });
}
