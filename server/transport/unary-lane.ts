/**
 * The unary lane: Connect and gRPC unary calls served without connect-node's
 * adapter, by the same implementations and interceptors.
 *
 * connect-node turns every request into a universal request and back: an
 * async iterable for each body, a URL, a copy of the headers, a deadline
 * signal linked to the request's, and two AbortController.abort() calls
 * without a reason once the call is over, each building a DOMException with
 * its stack. For a bare echo handler that is ~150–200 µs of CPU per call
 * against ~45 µs for node:http plus protobuf's JSON (bench/README.md, "The
 * unary lane"); for an ExecuteJob it was about a third of the main thread's work.
 *
 * The lane takes the common cases — a POST to the path of a unary method,
 * either Connect (`application/json` or `application/proto`, no request
 * compression, HTTP/1.1 or HTTP/2) or gRPC (`application/grpc[+proto]` over
 * HTTP/2, no `grpc-encoding`) — reads the body into one buffer, and runs
 * connect-es's own pieces: the method's serialization (with its size limits),
 * `invokeUnaryImplementation` with the interceptors, Connect's error JSON or
 * gRPC's trailer status, Connect's trailers as `trailer-` headers, and
 * response compression when the client accepts it. Everything else — GET,
 * streams, gRPC-web, gRPC with JSON, compressed requests, unknown paths —
 * goes to the fallback, connect-node's adapter, unchanged.
 *
 * A request body that does not decode fails with INVALID_ARGUMENT and an
 * ErrorInfo, as request-decoding.ts makes connect-node's path do.
 *
 * The handler context's signal aborts when the client goes away before the
 * answer is written (CANCELED), or at the request's deadline
 * (DEADLINE_EXCEEDED, from `connect-timeout-ms` or `grpc-timeout`); a call
 * that ends normally leaves it unaborted, so nothing pays for an abort no one
 * listens to. The call's own parts — headers, body, context — are in
 * lane-call.ts; this file routes, decodes, invokes and answers.
 */
import type { DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type Interceptor,
  type MethodImpl,
  type MethodImplSpec,
  createMethodImplSpec,
  createServiceImplSpec,
} from "@connectrpc/connect";
import {
  type Compression,
  type MethodSerializationLookup,
  compressionNegotiate,
  createMethodSerializationLookup,
  invokeUnaryImplementation,
} from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorToJsonBytes, parseTimeout } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { decodeBinary, malformed } from "../api/request-decoding.js";
import { LaneContext, RequestHeaders, readBody, urlOf, watchRequest } from "./lane-call.js";
import type { NodeHandler } from "./http-routes.js";

/** Options of {@link createUnaryLane}; the same values the fallback adapter was given. */
export interface UnaryLaneOptions {
  /** Registers the services, as `connectNodeAdapter({ routes })` takes them. */
  readonly routes: (router: ConnectRouter) => void;
  readonly interceptors: readonly Interceptor[];
  /** Largest request body accepted. */
  readonly readMaxBytes: number;
  /** Compressions a response may use, when the client accepts one. */
  readonly acceptCompression: readonly Compression[];
  /** Responses smaller than this are not compressed (connect-es's default: 1 KiB). */
  readonly compressMinBytes?: number;
  /** Serves every request the lane does not take. */
  readonly fallback: NodeHandler;
}

interface Route {
  readonly spec: MethodImplSpec & { kind: "unary" };
  readonly serialization: MethodSerializationLookup<DescMessage, DescMessage>;
}

type Request = Parameters<NodeHandler>[0];
type Response = Parameters<NodeHandler>[1];

/** Content types the lane serves: Connect unary JSON and binary. */
const contentTypes = new Map<string, boolean>([
  ["application/json", false],
  ["application/json; charset=utf-8", false],
  ["application/json;charset=utf-8", false],
  ["application/proto", true],
]);

/** Content types of binary gRPC, which the lane serves over HTTP/2 (gRPC with JSON goes to the adapter). */
const grpcContentTypes = new Set(["application/grpc", "application/grpc+proto"]);

const writeMaxBytes = 0xffffffff;

/** A Node handler serving Connect and gRPC unary calls itself and everything else through `fallback`. */
export function createUnaryLane(options: UnaryLaneOptions): NodeHandler {
  const { readMaxBytes, fallback } = options;
  const interceptors = [...options.interceptors];
  const acceptCompression = [...options.acceptCompression];
  const compressMinBytes = options.compressMinBytes ?? 1024;
  const routes = new Map<string, Route>();
  for (const spec of implSpecsOf(options.routes)) {
    if (spec.kind !== "unary") continue;
    routes.set(`/${spec.method.parent.typeName}/${spec.method.name}`, {
      spec,
      serialization: createMethodSerializationLookup(spec.method, undefined, undefined, { readMaxBytes, writeMaxBytes }),
    });
  }

  async function serve(route: Route, binary: boolean, request: Request, response: Response): Promise<void> {
    const { method } = route.spec;
    const requestHeader = new RequestHeaders(request.headers);
    const compression = compressionNegotiate(acceptCompression, null, requestHeader.get("accept-encoding"), "Accept-Encoding");
    const context = new LaneContext(method, requestHeader, urlOf(request), "connect", binary ? "application/proto" : "application/json");
    const watch = watchRequest(context, response);
    let status = 200;
    let body: Uint8Array;
    try {
      const timeout = parseTimeout(requestHeader.get("connect-timeout-ms"), Number.MAX_SAFE_INTEGER);
      if (timeout.error) throw timeout.error;
      if (timeout.timeoutMs !== undefined) watch.deadline(timeout.timeoutMs);
      const bytes = await readBody(request, readMaxBytes, requestHeader.get("content-length"));
      const input = binary ? decodeBinary(method.input, bytes) : route.serialization.getI(false).parse(bytes);
      const output = await invokeUnaryImplementation(route.spec, context, input, interceptors);
      body = route.serialization.getO(binary).serialize(output);
    } catch (error) {
      const connectError = asConnectError(error);
      status = codeToHttpStatus(connectError.code);
      context.responseHeader.set("content-type", "application/json");
      connectError.metadata.forEach((value, key) => context.responseHeader.set(key, value));
      body = errorToJsonBytes(connectError, {});
    } finally {
      watch.done();
    }
    if (compression.response && body.byteLength >= compressMinBytes) {
      body = await compression.response.compress(body);
      context.responseHeader.set("content-encoding", compression.response.name);
    }
    // Trailers travel as `trailer-` headers in Connect unary, as connect-es's trailerMux writes them.
    const head = plainHeaders(context.responseHeader);
    context.responseTrailer.forEach((value, key) => {
      const name = `trailer-${key}`;
      head[name] = head[name] === undefined ? value : `${head[name]}, ${value}`;
    });
    head["content-length"] = String(body.byteLength);
    if (response.writableEnded || response.destroyed) return;
    response.writeHead(status, head);
    response.end(body);
  }

  async function serveGrpc(route: Route, request: Request, response: Response): Promise<void> {
    const { method } = route.spec;
    const requestHeader = new RequestHeaders(request.headers);
    const context = new LaneContext(method, requestHeader, urlOf(request), "grpc", "application/grpc+proto");
    const compression = compressionNegotiate(acceptCompression, null, requestHeader.get("grpc-accept-encoding"), "Grpc-Accept-Encoding");
    if (compression.response) context.responseHeader.set("grpc-encoding", compression.response.name);
    const watch = watchRequest(context, response);
    let body: Uint8Array | undefined;
    try {
      const timeout = parseGrpcTimeout(requestHeader.get("grpc-timeout"), Number.MAX_SAFE_INTEGER);
      if (timeout.error) throw timeout.error;
      if (timeout.timeoutMs !== undefined) watch.deadline(timeout.timeoutMs);
      // One message and its envelope; more than that is refused below, with connect-es's words.
      const bytes = await readBody(request, 2 * (readMaxBytes + 5), null);
      const input = decodeBinary(method.input, singleMessage(bytes, readMaxBytes));
      const output = await invokeUnaryImplementation(route.spec, context, input, interceptors);
      let message = route.serialization.getO(true).serialize(output);
      let flags = 0;
      if (compression.response && message.byteLength >= compressMinBytes) {
        message = await compression.response.compress(message);
        flags = 1;
      }
      body = envelope(flags, message);
    } catch (error) {
      setTrailerStatus(context.responseTrailer, asConnectError(error));
    } finally {
      watch.done();
    }
    if (response.writableEnded || response.destroyed) return;
    response.writeHead(200, plainHeaders(context.responseHeader));
    response.addTrailers(plainHeaders(context.responseTrailer));
    if (body) response.end(body);
    else response.end();
  }

  const failed = (response: Response) => (error: unknown) => {
    // Only writing the answer can fail here; the stream or socket is gone or broken.
    response.destroy(error instanceof Error ? error : undefined);
  };

  return (request, response) => {
    if (request.method !== "POST") return fallback(request, response);
    const route = routes.get(request.url ?? "");
    const contentType = request.headers["content-type"] ?? "";
    if (route && grpcContentTypes.has(contentType) && request.httpVersionMajor === 2) {
      const encoding = request.headers["grpc-encoding"];
      if (encoding === undefined || encoding === "identity") return void serveGrpc(route, request, response).catch(failed(response));
      return fallback(request, response);
    }
    const binary = contentTypes.get(contentType);
    const encoding = request.headers["content-encoding"];
    if (!route || binary === undefined || (encoding !== undefined && encoding !== "identity")) {
      return fallback(request, response);
    }
    serve(route, binary, request, response).catch(failed(response));
  };
}

/**
 * The one message of a unary gRPC request body, or the error connect-es's
 * handler (behind request-decoding.ts) answers: a message over `readMaxBytes`
 * RESOURCE_EXHAUSTED, a cut envelope INVALID_ARGUMENT, a compressed flag
 * without a compression malformed, none or two UNIMPLEMENTED.
 */
function singleMessage(bytes: Uint8Array, readMaxBytes: number): Uint8Array {
  const messages: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (bytes.byteLength - offset < 5) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    const flags = bytes[offset]!;
    const length = new DataView(bytes.buffer, bytes.byteOffset + offset + 1, 4).getUint32(0);
    if (length > readMaxBytes) {
      throw new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
    }
    if (bytes.byteLength - offset - 5 < length) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    if ((flags & 1) === 1) {
      throw malformed(
        "a message is flagged as compressed, but the request names no compression (grpc-encoding)",
        "compressed_flag_without_encoding",
      );
    }
    messages.push(bytes.subarray(offset + 5, offset + 5 + length));
    offset += 5 + length;
  }
  if (messages.length === 0) throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
  if (messages.length > 1) throw new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented);
  return messages[0]!;
}

/** A gRPC length-prefixed message. */
function envelope(flags: number, message: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(message.byteLength + 5);
  bytes[0] = flags;
  new DataView(bytes.buffer).setUint32(1, message.byteLength);
  bytes.set(message, 5);
  return bytes;
}

/** What connect-es answers for `error`: the error itself if it is a ConnectError, else INTERNAL with it as the cause. */
function asConnectError(error: unknown): ConnectError {
  return error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
}

/** Headers as Node's response methods take them. */
function plainHeaders(headers: Headers): Record<string, string> {
  const plain: Record<string, string> = {};
  headers.forEach((value, key) => (plain[key] = value));
  return plain;
}

/** The implementations `routes` registers, recorded instead of served. */
function implSpecsOf(routes: (router: ConnectRouter) => void): MethodImplSpec[] {
  const specs: MethodImplSpec[] = [];
  const recorder = {
    handlers: [],
    service(service: DescService, impl: object) {
      specs.push(...Object.values(createServiceImplSpec(service, impl).methods));
      return recorder;
    },
    rpc(method: DescMethod, impl: MethodImpl<DescMethod>) {
      specs.push(createMethodImplSpec(method, impl));
      return recorder;
    },
  } as unknown as ConnectRouter;
  routes(recorder);
  return specs;
}
