/**
 * Raw calls for the fuzzer: the bytes go on the wire exactly as generated, and
 * whatever comes back is reduced to one {@link WireOutcome}. Connect over
 * fetch (HTTP/1.1), gRPC over node:http2 with hand-made frames. A call that is
 * still running after `openAfterMs` (an accepted watch) counts as open and is
 * cancelled.
 */
import { type ClientHttp2Session, connect as connectHttp2, constants } from "node:http2";
import { gunzipSync } from "node:zlib";
import { Code } from "@connectrpc/connect";
import { codeFromHttpStatus, codeFromString, endStreamFlag } from "@connectrpc/connect/protocol-connect";
import { bearer, devToken } from "../support/clients.js";

/** How a fuzzed request was sent. */
export type WireProtocol = "connect-json" | "connect-proto" | "connect-get" | "grpc";

/** What came back, reduced to what the fuzzer asserts on. */
export interface WireOutcome {
  readonly protocol: WireProtocol;
  readonly procedure: string;
  /** The error code; `undefined` when the call succeeded or stayed open. */
  readonly code: Code | undefined;
  /** Why the reply breaks the protocol (no status, reset stream, …); the fuzzer fails on it. */
  readonly broken?: string;
  readonly message: string;
  readonly open: boolean;
}

/** Every fuzzed request carries the test clients' credentials, so it gets past authentication. */
const credentials = bearer(devToken);

/** Calls still running after this long are accepted streams (a watch), not hangs. */
const openAfterMs = 100;
/** A unary call or a rejected stream answering slower than this is a defect (a hang). */
const hangAfterMs = 10_000;

/** Connect unary POST (`application/json` or `application/proto`), or a Connect stream (`application/connect+…`). */
export async function connectPost(
  baseUrl: string,
  procedure: string,
  body: Uint8Array,
  options: { contentType: string; streaming: boolean; headers?: Record<string, string> },
): Promise<WireOutcome> {
  const protocol: WireProtocol = options.contentType.includes("json") ? "connect-json" : "connect-proto";
  return fetchOutcome(protocol, procedure, options.streaming, `${baseUrl}/${procedure}`, {
    method: "POST",
    headers: { ...credentials, "content-type": options.contentType, ...options.headers },
    body: new Uint8Array(body),
  });
}

/** Connect GET of a NO_SIDE_EFFECTS method; `query` is sent as given (it may be malformed on purpose). */
export async function connectGet(baseUrl: string, procedure: string, query: string): Promise<WireOutcome> {
  return fetchOutcome("connect-get", procedure, false, `${baseUrl}/${procedure}?${query}`, {
    method: "GET",
    headers: { ...credentials },
  });
}

async function fetchOutcome(
  protocol: WireProtocol,
  procedure: string,
  streaming: boolean,
  url: string,
  init: RequestInit,
): Promise<WireOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), streaming ? openAfterMs : hangAfterMs);
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!streaming || response.status !== 200) return connectUnaryOutcome(protocol, procedure, response.status, bytes);
    return connectStreamOutcome(protocol, procedure, bytes);
  } catch (error) {
    if (controller.signal.aborted && streaming) return { protocol, procedure, code: undefined, message: "", open: true };
    throw new Error(`${protocol} ${procedure}: no answer (${(error as Error).message})`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

function connectUnaryOutcome(protocol: WireProtocol, procedure: string, status: number, bytes: Uint8Array): WireOutcome {
  if (status === 200) return { protocol, procedure, code: undefined, message: "", open: false };
  const error = parseJson(bytes) as { code?: string; message?: string } | undefined;
  const code = typeof error?.code === "string" ? (codeFromString(error.code) ?? Code.Unknown) : codeFromHttpStatus(status);
  return { protocol, procedure, code, message: error?.message ?? `HTTP ${status}`, open: false };
}

function connectStreamOutcome(protocol: WireProtocol, procedure: string, bytes: Uint8Array): WireOutcome {
  for (const envelope of envelopes(bytes)) {
    if ((envelope.flags & endStreamFlag) === 0) continue;
    // The server compresses its answer the way the request was compressed.
    const data = (envelope.flags & 1) === 1 ? gunzipSync(envelope.data) : envelope.data;
    const end = parseJson(data) as { error?: { code?: string; message?: string } } | undefined;
    if (end === undefined) return { protocol, procedure, code: undefined, broken: "unreadable end-stream message", message: "", open: false };
    const code = end.error ? codeFromString(end.error.code ?? "") ?? Code.Unknown : undefined;
    return { protocol, procedure, code, message: end.error?.message ?? "", open: false };
  }
  return { protocol, procedure, code: undefined, broken: "stream ended without an end-stream message", message: "", open: false };
}

/** An HTTP/2 session for many gRPC calls; close it when done. */
export function openGrpcSession(baseUrl: string): ClientHttp2Session {
  const session = connectHttp2(baseUrl);
  // A session error fails the calls on it; the fuzzer reports those, not this.
  session.on("error", () => {});
  return session;
}

/** A gRPC call whose request body is `body` verbatim (frames, partial frames, anything). */
export function grpcCall(
  session: ClientHttp2Session,
  procedure: string,
  body: Uint8Array,
  options: { streaming: boolean; headers?: Record<string, string> },
): Promise<WireOutcome> {
  const protocol: WireProtocol = "grpc";
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ...credentials,
      ":method": "POST",
      ":path": `/${procedure}`,
      "content-type": "application/grpc",
      te: "trailers",
      ...options.headers,
    });
    let status: string | undefined;
    let message = "";
    const finish = (outcome: WireOutcome) => {
      clearTimeout(timer);
      // Like grpc-js: once the status is in, the call is over, even if the
      // server answered without reading the whole body (it may, RFC 9113 §8.1).
      if (!stream.closed && !stream.writableFinished) stream.close(constants.NGHTTP2_CANCEL);
      resolve(outcome);
    };
    const timer = setTimeout(
      () => {
        if (options.streaming) finish({ protocol, procedure, code: undefined, message: "", open: true });
        else {
          stream.close(constants.NGHTTP2_CANCEL);
          reject(new Error(`grpc ${procedure}: no answer within ${hangAfterMs} ms`));
        }
      },
      options.streaming ? openAfterMs : hangAfterMs,
    );
    const onStatus = (fields: Record<string, unknown>) => {
      if (fields["grpc-status"] === undefined) return;
      status = String(fields["grpc-status"]);
      const encoded = String(fields["grpc-message"] ?? "");
      const decoded = percentDecoded(encoded);
      message = decoded ?? encoded;
      let broken: string | undefined;
      if (!/^\d+$/.test(status)) broken = `grpc-status ${JSON.stringify(status)}`;
      else if (decoded === undefined) broken = "grpc-message is not percent-encoded";
      const code = status === "0" ? undefined : (Number(status) as Code);
      finish({ protocol, procedure, code, message, open: false, ...(broken ? { broken } : {}) });
    };
    stream.on("response", onStatus);
    stream.on("trailers", onStatus);
    stream.on("data", () => {});
    stream.on("error", () => {});
    stream.on("close", () => {
      if (status !== undefined) return;
      const reset = stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR;
      const broken = reset ? `stream reset with code ${stream.rstCode}` : "no grpc-status";
      finish({ protocol, procedure, code: undefined, broken, message, open: false });
    });
    stream.end(body);
  });
}

/** A message in a gRPC / Connect envelope: flags, 4-byte big-endian length, data. */
export function frame(data: Uint8Array, flags = 0, declaredLength = data.length): Uint8Array {
  const bytes = new Uint8Array(5 + data.length);
  bytes[0] = flags;
  new DataView(bytes.buffer).setUint32(1, declaredLength);
  bytes.set(data, 5);
  return bytes;
}

function* envelopes(bytes: Uint8Array): Generator<{ flags: number; data: Uint8Array }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 0; offset + 5 <= bytes.length; ) {
    const length = view.getUint32(offset + 1);
    yield { flags: bytes[offset]!, data: bytes.subarray(offset + 5, offset + 5 + length) };
    offset += 5 + length;
  }
}

function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
