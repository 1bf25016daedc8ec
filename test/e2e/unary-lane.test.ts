/**
 * The unary lane (server/transport/unary-lane.ts) against connect-node's
 * adapter: the same requests, sent as raw HTTP/1.1 (Connect) and HTTP/2
 * (gRPC) to a server with the lane and to one without, must get the same
 * status, headers, trailers and body — successes, every kind of error,
 * limits, deadlines, trailers and compression. Then what
 * only the lane decides: which requests it takes (the rest reach the adapter,
 * counted), and its signal on a client that leaves.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type Interceptor, createClient } from "@connectrpc/connect";
import { compressionGzip, connectNodeAdapter, createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import * as http from "node:http";
import * as http2 from "node:http2";
import { gunzipSync, gzipSync } from "node:zlib";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetJobRequestSchema, JobService } from "../../gen/switchyard/v1/job_pb.js";
import { guardRequestDecoding } from "../../server/api/request-decoding.js";
import type { NodeHandler } from "../../server/transport/http-routes.js";
import { createOnePortServer, type OnePortServer } from "../../server/transport/one-port-server.js";
import { createUnaryLane } from "../../server/transport/unary-lane.js";

const readMaxBytes = 2048;

/** What the "wait" job saw its signal abort with, per server. */
const abortReasons = new Map<string, unknown>();
let waitStarted: () => void = () => {};

function routesFor(server: string) {
  return (router: ConnectRouter) =>
    router.service(JobService, {
      async getJob(request, context) {
        if (request.id === "boom") throw new Error("a bug, not for the client's eyes");
        if (request.id === "wait") {
          waitStarted();
          await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
          abortReasons.set(server, context.signal.reason);
          throw context.signal.reason;
        }
        if (request.id === "headers") {
          // Every way a handler may read the request's headers, and one change.
          const header = context.requestHeader;
          const seen = [header.get("x-one"), header.get("X-Two"), header.has("x-three"), header.get("constructor")];
          const named = [...header.keys()].filter((name) => name.startsWith("x-"));
          header.set("x-one", "changed");
          const entries = [...header].filter(([name]) => name.startsWith("x-"));
          return { job: { id: request.id, callbackUrl: JSON.stringify({ seen, named, entries, after: header.get("x-one") }) } };
        }
        const callbackUrl = request.id === "big" ? "f".repeat(3000) : `f-${request.id}`;
        return { job: { id: request.id, callbackUrl } };
      },
      cancelJob() {
        throw new ConnectError("no such job", Code.NotFound, { "x-meta": "from-the-error" });
      },
      async *watchJob(request) {
        yield { job: { id: request.id } };
      },
    });
}

/** Sets a response header and a trailer, so both paths must carry them. */
const marking: Interceptor = (next) => async (request) => {
  const response = await next(request);
  response.header.set("x-intercepted", "yes");
  response.trailer.set("x-trailing", "also");
  return response;
};

interface Started {
  readonly port: number;
  readonly baseUrl: string;
  /** Requests the lane passed on to connect-node's adapter. */
  fallbacks: number;
  close(): Promise<void>;
}

async function start(name: string, lane: boolean): Promise<Started> {
  const routes = routesFor(name);
  // As server/app.ts builds it: the adapter behind the request-decoding guard.
  const adapter = connectNodeAdapter({
    routes: guardRequestDecoding(routes, { readMaxBytes, compressions: [compressionGzip] }),
    interceptors: [marking],
    readMaxBytes,
    acceptCompression: [compressionGzip],
  });
  const started = { fallbacks: 0 } as Started & { fallbacks: number };
  const counted: NodeHandler = (request, response) => {
    started.fallbacks++;
    adapter(request, response);
  };
  const handler = lane
    ? createUnaryLane({ routes, interceptors: [marking], readMaxBytes, acceptCompression: [compressionGzip], fallback: counted })
    : adapter;
  const server: OnePortServer = createOnePortServer({ handler, logger: pino({ level: "silent" }) });
  const { port } = await server.listen(0, "127.0.0.1");
  return Object.assign(started, {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => server.close({ graceMs: 200 }),
  });
}

interface RawReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Decompressed when the reply was gzip. */
  readonly body: string;
}

/** Headers both paths must agree on (date, connection and keep-alive are the socket's). */
const compared = ["content-type", "content-encoding", "content-length", "x-intercepted", "trailer-x-trailing", "x-meta", "accept-encoding"];

function send(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
  options: { chunked?: boolean } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, path, method: "POST", headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const raw = Buffer.concat(chunks);
        const picked: Record<string, string> = {};
        for (const name of compared) {
          const value = response.headers[name];
          if (typeof value === "string") picked[name] = value;
        }
        const text = response.headers["content-encoding"] === "gzip" ? gunzipSync(raw).toString() : raw.toString();
        resolve({ status: response.statusCode ?? 0, headers: picked, body: text });
      });
    });
    request.on("error", reject);
    if (options.chunked) {
      // Two writes without a Content-Length: Node sends them chunked.
      const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
      request.write(bytes.subarray(0, bytes.length >> 1));
      request.end(bytes.subarray(bytes.length >> 1));
    } else {
      request.setHeader("content-length", String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength));
      request.end(body);
    }
  });
}

interface GrpcReply {
  readonly headers: Record<string, string>;
  readonly trailers: Record<string, string>;
  /** The response body, hex. */
  readonly body: string;
}

/** Response headers and trailers both paths must agree on. */
const comparedGrpc = [":status", "content-type", "grpc-encoding", "grpc-status", "grpc-message", "grpc-status-details-bin", "x-intercepted", "x-trailing", "x-meta"];

/** A raw HTTP/2 POST as a gRPC client sends it. */
function sendGrpc(port: number, path: string, headers: Record<string, string>, body: Uint8Array): Promise<GrpcReply> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    const pick = (from: http2.IncomingHttpHeaders) =>
      Object.fromEntries(comparedGrpc.filter((name) => typeof from[name] === "string").map((name) => [name, String(from[name])]));
    let responseHeaders: Record<string, string> = {};
    let trailers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    stream.on("response", (received) => (responseHeaders = pick(received)));
    stream.on("trailers", (received) => (trailers = pick(received)));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("end", () => {
      session.close();
      resolve({ headers: responseHeaders, trailers, body: Buffer.concat(chunks).toString("hex") });
    });
    stream.end(body);
  });
}

/** A gRPC length-prefixed message. */
function framed(message: Uint8Array, flags = 0): Uint8Array {
  const bytes = Buffer.alloc(5 + message.byteLength);
  bytes[0] = flags;
  bytes.writeUInt32BE(message.byteLength, 1);
  bytes.set(message, 5);
  return bytes;
}

const getJobBytes = (id: string) => toBinary(GetJobRequestSchema, create(GetJobRequestSchema, { id }));

const getJob = "/switchyard.v1.JobService/GetJob";
const json = { "content-type": "application/json" };
const proto = { "content-type": "application/proto" };

let withLane: Started;
let withoutLane: Started;

beforeAll(async () => {
  withLane = await start("lane", true);
  withoutLane = await start("adapter", false);
});

afterAll(async () => {
  await withLane?.close();
  await withoutLane?.close();
});

describe("the unary lane answers as connect-node's adapter does", () => {
  const cases: [string, string, Record<string, string>, string | Uint8Array, { chunked?: boolean }?][] = [
    ["a JSON request", getJob, json, JSON.stringify({ id: "j1" })],
    ["JSON with a charset", getJob, { "content-type": "application/json; charset=utf-8" }, JSON.stringify({ id: "j1" })],
    ["a binary request", getJob, proto, toBinary(GetJobRequestSchema, create(GetJobRequestSchema, { id: "j1" }))],
    ["request headers read every way", getJob, { ...json, "x-one": "1", "x-two": "2" }, JSON.stringify({ id: "headers" })],
    ["JSON that does not parse", getJob, json, "{"],
    ["JSON with an unknown field", getJob, json, JSON.stringify({ id: "j1", nope: 1 })],
    ["a binary body that does not decode", getJob, proto, new Uint8Array([0x0a, 0x05, 0x61, 0x62])],
    ["an implementation that throws a plain Error", getJob, json, JSON.stringify({ id: "boom" })],
    ["a ConnectError with metadata", "/switchyard.v1.JobService/CancelJob", json, JSON.stringify({ id: "j1" })],
    ["a malformed connect-timeout-ms", getJob, { ...json, "connect-timeout-ms": "soon" }, JSON.stringify({ id: "j1" })],
    ["a deadline that passes while the call waits", getJob, { ...json, "connect-timeout-ms": "50" }, JSON.stringify({ id: "wait" })],
    ["a body over readMaxBytes, with Content-Length", getJob, json, JSON.stringify({ id: "x".repeat(readMaxBytes) })],
    ["a body over readMaxBytes, chunked", getJob, json, JSON.stringify({ id: "x".repeat(readMaxBytes) }), { chunked: true }],
    ["a large answer to a client accepting gzip", getJob, { ...json, "accept-encoding": "gzip" }, JSON.stringify({ id: "big" })],
    ["a large answer to a client accepting only br", getJob, { ...json, "accept-encoding": "br" }, JSON.stringify({ id: "big" })],
    ["a small answer to a client accepting gzip", getJob, { ...json, "accept-encoding": "gzip" }, JSON.stringify({ id: "j1" })],
  ];

  it.each(cases)("%s", async (_name, path, headers, body, options) => {
    // given
    const fallbacksBefore = withLane.fallbacks;

    // when
    const [lane, adapter] = await Promise.all([
      send(withLane.port, path, headers, body, options),
      send(withoutLane.port, path, headers, body, options),
    ]);

    // then
    expect(lane).toEqual(adapter);
    expect(withLane.fallbacks).toBe(fallbacksBefore);
  });

  it("took the calls it answered: the deadline reached the implementation as DEADLINE_EXCEEDED on both", () => {
    expect(ConnectError.from(abortReasons.get("lane")).code).toBe(Code.DeadlineExceeded);
    expect(ConnectError.from(abortReasons.get("adapter")).code).toBe(Code.DeadlineExceeded);
  });

  it("answers a large gzip answer compressed, and the rest not", async () => {
    const big = await send(withLane.port, getJob, { ...json, "accept-encoding": "gzip" }, JSON.stringify({ id: "big" }));
    const small = await send(withLane.port, getJob, { ...json, "accept-encoding": "gzip" }, JSON.stringify({ id: "j1" }));
    expect(big.headers["content-encoding"]).toBe("gzip");
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(big.body).job.callbackUrl).toHaveLength(3000);
  });
});

describe("the unary lane answers gRPC as connect-node's adapter does", () => {
  const j1 = getJobBytes("j1");
  const cases: [string, string, Record<string, string>, Uint8Array][] = [
    ["a request", getJob, {}, framed(j1)],
    ["application/grpc+proto", getJob, { "content-type": "application/grpc+proto" }, framed(j1)],
    ["request headers read every way", getJob, { "x-one": "1", "x-two": "2" }, framed(getJobBytes("headers"))],
    ["an implementation that throws a plain Error", getJob, {}, framed(getJobBytes("boom"))],
    ["a ConnectError with metadata", "/switchyard.v1.JobService/CancelJob", {}, framed(j1)],
    ["a message that does not decode", getJob, {}, framed(new Uint8Array([0x0a, 0x05, 0x61, 0x62]))],
    ["no message", getJob, {}, new Uint8Array()],
    ["two messages", getJob, {}, Buffer.concat([framed(j1), framed(j1)])],
    ["a cut envelope", getJob, {}, framed(j1).subarray(0, 3)],
    ["a compressed flag without grpc-encoding", getJob, {}, framed(j1, 1)],
    ["a message over readMaxBytes", getJob, {}, framed(getJobBytes("x".repeat(readMaxBytes)))],
    ["a malformed grpc-timeout", getJob, { "grpc-timeout": "5x" }, framed(j1)],
    ["a deadline that passes while the call waits", getJob, { "grpc-timeout": "50m" }, framed(getJobBytes("wait"))],
    ["a large answer to a client accepting gzip", getJob, { "grpc-accept-encoding": "identity,deflate,gzip" }, framed(getJobBytes("big"))],
    ["a small answer to a client accepting gzip", getJob, { "grpc-accept-encoding": "gzip" }, framed(j1)],
  ];

  it.each(cases)("%s", async (_name, path, headers, body) => {
    // given
    const fallbacksBefore = withLane.fallbacks;

    // when
    const [lane, adapter] = await Promise.all([
      sendGrpc(withLane.port, path, headers, body),
      sendGrpc(withoutLane.port, path, headers, body),
    ]);

    // then
    expect(lane).toEqual(adapter);
    expect(withLane.fallbacks).toBe(fallbacksBefore);
  });

  it("answered the deadline with DEADLINE_EXCEEDED, the big answer gzip, and the rest as expected", async () => {
    const deadline = await sendGrpc(withLane.port, getJob, { "grpc-timeout": "50m" }, framed(getJobBytes("wait")));
    const big = await sendGrpc(withLane.port, getJob, { "grpc-accept-encoding": "gzip" }, framed(getJobBytes("big")));
    const ok = await sendGrpc(withLane.port, getJob, {}, framed(j1));
    expect(deadline.trailers["grpc-status"]).toBe(String(Code.DeadlineExceeded));
    expect(big.headers["grpc-encoding"]).toBe("gzip");
    expect(big.body.slice(0, 2)).toBe("01");
    expect(ok.trailers).toEqual({ "grpc-status": "0", "x-trailing": "also" });
  });
});

describe("which requests the lane takes", () => {
  it("takes Connect unary calls over HTTP/1.1 and HTTP/2, JSON and binary, and gRPC unary calls", async () => {
    // given
    const before = withLane.fallbacks;
    const clients = [
      createConnectTransport({ baseUrl: withLane.baseUrl, httpVersion: "1.1" }),
      createConnectTransport({ baseUrl: withLane.baseUrl, httpVersion: "2" }),
      createConnectTransport({ baseUrl: withLane.baseUrl, httpVersion: "2", useBinaryFormat: true }),
      createGrpcTransport({ baseUrl: withLane.baseUrl }),
    ].map((transport) => createClient(JobService, transport));

    // when
    const answers = await Promise.all(clients.map((client) => client.getJob({ id: "j2" })));

    // then
    expect(answers.map((answer) => answer.job?.callbackUrl)).toEqual(["f-j2", "f-j2", "f-j2", "f-j2"]);
    expect(withLane.fallbacks).toBe(before);
  });

  it("passes streams, gRPC-web, GET and compressed requests to the adapter, which answers them", async () => {
    // given
    const before = withLane.fallbacks;
    const connect = createClient(JobService, createConnectTransport({ baseUrl: withLane.baseUrl, httpVersion: "2" }));
    const grpc = createClient(
      JobService,
      createGrpcTransport({ baseUrl: withLane.baseUrl, sendCompression: compressionGzip, compressMinBytes: 0 }),
    );
    const grpcWeb = createClient(JobService, createGrpcWebTransport({ baseUrl: withLane.baseUrl }));

    // when
    const watched = [];
    for await (const answer of connect.watchJob({ id: "s1" })) watched.push(answer.job?.id);
    const overGrpc = await grpc.getJob({ id: "g1" });
    const overGrpcWeb = await grpcWeb.getJob({ id: "w1" });
    const gzipped = await send(
      withLane.port,
      getJob,
      { ...json, "content-encoding": "gzip" },
      gzipSync(JSON.stringify({ id: "z1" })),
    );
    const get = await fetch(`${withLane.baseUrl}${getJob}?encoding=json&message=${encodeURIComponent('{"id":"q1"}')}`);

    // then
    expect(watched).toEqual(["s1"]);
    expect(overGrpc.job?.callbackUrl).toBe("f-g1");
    expect(overGrpcWeb.job?.callbackUrl).toBe("f-w1");
    expect(JSON.parse(gzipped.body).job.callbackUrl).toBe("f-z1");
    // GetJob is NO_SIDE_EFFECTS, so Connect may call it with GET.
    expect(((await get.json()) as { job: { callbackUrl: string } }).job.callbackUrl).toBe("f-q1");
    expect(withLane.fallbacks).toBe(before + 5);
  });

  it("aborts the call's signal with CANCELED when the client leaves before the answer", async () => {
    // given
    const started = new Promise<void>((resolve) => (waitStarted = resolve));
    const leaving = new AbortController();
    const call = fetch(`${withLane.baseUrl}${getJob}`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ id: "wait" }),
      signal: leaving.signal,
    }).catch((error: unknown) => error);
    await started;
    abortReasons.delete("lane");

    // when
    leaving.abort();
    await call;
    await expect.poll(() => abortReasons.get("lane")).toBeDefined();

    // then
    expect(ConnectError.from(abortReasons.get("lane")).code).toBe(Code.Canceled);
  });
});
