/**
 * Request bodies that cannot be decoded fail with INVALID_ARGUMENT.
 *
 * connect-es decodes a request before any interceptor runs and reports a
 * protobuf message it cannot parse, a message flagged as compressed without a
 * compression, and some corrupt gzip as INTERNAL, which the error interceptor
 * never sees. There is no option to change that, so this guard sits between the
 * router and connect-es's protocol handlers: it reads the request the way
 * connect-es will (enveloped or not, compressed or not, or from a GET query),
 * decompresses it, decodes each binary message once, and turns any failure
 * into an INVALID_ARGUMENT error with a google.rpc.ErrorInfo. What it passes
 * on is already decompressed, so connect-es never decompresses twice; it does
 * decode each binary message a second time (microseconds for typical requests).
 */
import { create, type DescMessage, fromBinary } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { compressionGzip, compressionBrotli } from "@connectrpc/connect-node";
import {
  type Compression,
  type UniversalHandler,
  type UniversalServerRequest,
  type UniversalServerResponse,
  compressedFlag,
  createAsyncIterable,
  pipe,
  readAllBytes,
  transformJoinEnvelopes,
  transformSplitEnvelope,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  endStreamFlag,
  errorToJsonBytes,
  parseContentType as parseConnectContentType,
} from "@connectrpc/connect/protocol-connect";
import { parseContentType as parseGrpcContentType } from "@connectrpc/connect/protocol-grpc";
import { parseContentType as parseGrpcWebContentType } from "@connectrpc/connect/protocol-grpc-web";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { errorDomain } from "./interceptors/errors.js";

/** Options of {@link guardRequestDecoding}. */
export interface RequestDecodingOptions {
  /** Largest message accepted, compressed or not (the adapter's `readMaxBytes`). */
  readonly readMaxBytes: number;
  /** The compressions requests may use; pass the same list as the adapter's `acceptCompression`. */
  readonly compressions: readonly Compression[];
}

/**
 * gzip and brotli, with every decompression failure but "too large" reported
 * as INVALID_ARGUMENT (connect-node reports some truncated streams as INTERNAL).
 */
export const requestCompressions: readonly Compression[] = [compressionGzip, compressionBrotli].map((compression) => ({
  name: compression.name,
  compress: (bytes) => compression.compress(bytes),
  decompress: (bytes, readMaxBytes) =>
    compression.decompress(bytes, readMaxBytes).catch((error: unknown) => {
      if (error instanceof ConnectError && error.code === Code.ResourceExhausted) throw error;
      throw malformed(`the ${compression.name} data is corrupt or truncated`, "corrupt_compression");
    }),
}));

/** Wraps the routes so that every handler they register is guarded; for `connectNodeAdapter({ routes })`. */
export function guardRequestDecoding(
  routes: (router: ConnectRouter) => void,
  options: RequestDecodingOptions,
): (router: ConnectRouter) => void {
  return (router) => {
    routes(router);
    router.handlers.splice(0, router.handlers.length, ...router.handlers.map((handler) => guardHandler(handler, options)));
  };
}

function guardHandler(handler: UniversalHandler, options: RequestDecodingOptions): UniversalHandler {
  const input = handler.method.input;
  const guarded = async (request: UniversalServerRequest): Promise<UniversalServerResponse> => {
    if (request.method === "GET") {
      if (!handler.allowedMethods.includes("GET")) return handler(request);
      const error = await checkGetQuery(request, input, options);
      return error ? connectErrorResponse(error) : handler(request);
    }
    const framing = framingOf(request.header.get("content-type"));
    if (!framing || !isByteStream(request.body)) return handler(request);
    const encodingHeader = framing.enveloped ? framing.encodingHeader : "content-encoding";
    const compression = compressionOf(request.header.get(encodingHeader), options);
    // An unknown compression is connect-es's to refuse (UNIMPLEMENTED), before it reads the body.
    if (compression === "unknown") return handler(request);
    if (framing.enveloped) {
      const body = pipe(
        request.body,
        transformSplitEnvelope(options.readMaxBytes),
        checkEnvelopes(input, framing, compression, options),
        transformJoinEnvelopes(),
      );
      return handler({ ...request, body });
    }
    return handler(withCheckedUnaryBody({ ...request, body: request.body }, input, framing.binary, compression, options));
  };
  return Object.assign(guarded, {
    service: handler.service,
    method: handler.method,
    requestPath: handler.requestPath,
    supportedContentType: handler.supportedContentType,
    protocolNames: handler.protocolNames,
    allowedMethods: handler.allowedMethods,
  });
}

type Framing =
  | {
      readonly enveloped: true;
      readonly binary: boolean;
      readonly encodingHeader: string;
      /** Envelopes with this flag (Connect's end of stream) are skipped, not parsed. */
      readonly skipFlag?: number;
    }
  | { readonly enveloped: false; readonly binary: boolean };

/** How connect-es will read a POST with this content type; undefined for what it will refuse anyway. */
function framingOf(contentType: string | null): Framing | undefined {
  const grpcWeb = parseGrpcWebContentType(contentType);
  if (grpcWeb) return grpcWeb.text ? undefined : { enveloped: true, binary: grpcWeb.binary, encodingHeader: "grpc-encoding" };
  const grpc = parseGrpcContentType(contentType);
  if (grpc) return { enveloped: true, binary: grpc.binary, encodingHeader: "grpc-encoding" };
  const connect = parseConnectContentType(contentType);
  if (!connect) return undefined;
  return connect.stream
    ? { enveloped: true, binary: connect.binary, encodingHeader: "connect-content-encoding", skipFlag: endStreamFlag }
    : { enveloped: false, binary: connect.binary };
}

function compressionOf(name: string | null, options: RequestDecodingOptions): Compression | undefined | "unknown" {
  if (name === null || name === "" || name === "identity") return undefined;
  return options.compressions.find((compression) => compression.name === name) ?? "unknown";
}

function checkEnvelopes(
  input: DescMessage,
  framing: Framing & { enveloped: true },
  compression: Compression | undefined,
  options: RequestDecodingOptions,
) {
  return async function* (envelopes: AsyncIterable<{ flags: number; data: Uint8Array }>) {
    for await (let { flags, data } of envelopes) {
      if ((flags & compressedFlag) === compressedFlag) {
        if (!compression) {
          throw malformed(
            `a message is flagged as compressed, but the request names no compression (${framing.encodingHeader})`,
            "compressed_flag_without_encoding",
          );
        }
        data = await compression.decompress(data, options.readMaxBytes);
        flags ^= compressedFlag;
      }
      const skipped = framing.skipFlag !== undefined && (flags & framing.skipFlag) === framing.skipFlag;
      if (framing.binary && !skipped) decodeBinary(input, data);
      yield { flags, data };
    }
  };
}

/**
 * The request with a body that yields the whole message, decompressed and
 * checked; read lazily, so a failure lands in the response connect-es builds.
 */
function withCheckedUnaryBody(
  request: UniversalServerRequest & { body: AsyncIterable<Uint8Array> },
  input: DescMessage,
  binary: boolean,
  compression: Compression | undefined,
  options: RequestDecodingOptions,
): UniversalServerRequest {
  const { body, header } = request;
  async function* checked() {
    let bytes = await readAllBytes(body, options.readMaxBytes, header.get("content-length"));
    if (compression) bytes = await compression.decompress(bytes, options.readMaxBytes);
    if (binary) decodeBinary(input, bytes);
    yield bytes;
  }
  if (!compression) return { ...request, body: checked() };
  const decompressed = new Headers(header);
  decompressed.delete("content-encoding");
  decompressed.delete("content-length");
  return { ...request, header: decompressed, body: checked() };
}

/** The error a Connect GET's query would fail with, if any: bad base64, corrupt compression, a message that does not decode. */
async function checkGetQuery(
  request: UniversalServerRequest,
  input: DescMessage,
  options: RequestDecodingOptions,
): Promise<ConnectError | undefined> {
  const query = new URL(request.url).searchParams;
  const encoding = query.get("encoding");
  const compression = compressionOf(query.get("compression"), options);
  if ((encoding !== "proto" && encoding !== "json") || compression === "unknown") return undefined;
  try {
    const message = query.get("message") ?? "";
    let bytes = query.get("base64") === "1" ? decodeBase64(message) : new TextEncoder().encode(message);
    if (compression) bytes = await compression.decompress(bytes, options.readMaxBytes);
    if (encoding === "proto") decodeBinary(input, bytes);
    return undefined;
  } catch (error) {
    return ConnectError.from(error, Code.InvalidArgument);
  }
}

function decodeBase64(text: string): Uint8Array {
  try {
    return base64Decode(text);
  } catch {
    throw malformed("the message parameter is not base64", "malformed_base64");
  }
}

/**
 * A binary request body decoded as `input`, or INVALID_ARGUMENT with an
 * ErrorInfo `malformed_message`; the unary lane decodes with it, and
 * connect-node's path calls it as a check before connect-es decodes.
 */
export function decodeBinary<Desc extends DescMessage>(input: Desc, bytes: Uint8Array) {
  try {
    return fromBinary(input, bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw malformed(`the request is not a valid ${input.typeName}: ${reason}`, "malformed_message", { message_type: input.typeName });
  }
}

/** INVALID_ARGUMENT for a request body that cannot be decoded, with an ErrorInfo naming `reason`. */
export function malformed(message: string, reason: string, metadata: Record<string, string> = {}): ConnectError {
  const info = create(ErrorInfoSchema, { reason, domain: errorDomain, metadata });
  return new ConnectError(message, Code.InvalidArgument, undefined, [{ desc: ErrorInfoSchema, value: info }]);
}

function isByteStream(body: UniversalServerRequest["body"]): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

function connectErrorResponse(error: ConnectError): UniversalServerResponse {
  return {
    status: codeToHttpStatus(error.code),
    header: new Headers({ "content-type": "application/json" }),
    body: createAsyncIterable([errorToJsonBytes(error, {})]),
  };
}
