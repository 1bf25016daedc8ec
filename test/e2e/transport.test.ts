/**
 * The one-port transport end to end: real clients for every protocol it must
 * serve (Connect/HTTP 1.1 via fetch, gRPC/h2c via grpc-js, gRPC-web via
 * connect-web, Connect/h2 via connect-node, TLS with ALPN), plus graceful
 * close. Each test starts its own server on port 0.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import * as http from "node:http";
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Health, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { createHealthService, type HealthService } from "../../server/api/health-service.js";
import { callUnary, grpc, loadGrpcJsClient, readMessages, streamEnd } from "../support/grpc-js-client.js";
import { connectSocket, createGate, postWithAgent } from "../support/http-probes.js";
import { createSelfSignedCert, hasOpenssl } from "../support/self-signed-cert.js";
import { type StartedTransport, type StartTransportOptions, startTransport } from "../support/start-transport.js";

const HealthClient = loadGrpcJsClient("grpc/health/v1/health.proto", "grpc.health.v1.Health");
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server with a fresh health service for "svc.A"; closed after the test. */
async function startHealthServer(options: StartTransportOptions = {}): Promise<StartedTransport & { health: HealthService }> {
  const health = createHealthService({ services: ["svc.A"] });
  const started = await startTransport((router) => router.service(health.service, health.impl), options);
  cleanups.push(() => started.close());
  return { ...started, health };
}

async function startRoutes(routes: (router: ConnectRouter) => void, options: StartTransportOptions = {}) {
  const started = await startTransport(routes, options);
  cleanups.push(() => started.close());
  return started;
}

function grpcJsClient(address: string, credentials = grpc.credentials.createInsecure()): grpc.Client {
  const client = new HealthClient(address, credentials);
  cleanups.push(() => client.close());
  return client;
}

function connect(port: number): Promise<net.Socket> {
  return connectSocket(port).then((socket) => {
    cleanups.push(() => socket.destroy());
    return socket;
  });
}

function postJson(baseUrl: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("cleartext protocols on one port", () => {
  it("serves Connect JSON over HTTP/1.1 to fetch", async () => {
    const server = await startHealthServer();

    const serving = await postJson(server.baseUrl, "/grpc.health.v1.Health/Check", { service: "svc.A" });
    const unknown = await postJson(server.baseUrl, "/grpc.health.v1.Health/Check", { service: "svc.Nope" });

    expect(serving.status).toBe(200);
    expect(await serving.json()).toEqual({ status: "SERVING" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "not_found" });
    expect(server.httpVersions).toEqual(["1.1", "1.1"]);
  });

  it("reuses an HTTP/1.1 keep-alive connection and reads bodies that span many packets", async () => {
    const server = await startHealthServer();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const longName = "x".repeat(300_000);
    server.health.setStatus(longName, ServingStatus.NOT_SERVING);

    const first = await postWithAgent(agent, server.port, { service: "" });
    const second = await postWithAgent(agent, server.port, { service: longName });
    const third = await postWithAgent(agent, server.port, { service: "svc.Nope" });

    expect(first).toMatchObject({ status: 200, body: { status: "SERVING" } });
    expect(second).toMatchObject({ status: 200, body: { status: "NOT_SERVING" } });
    expect(third).toMatchObject({ status: 404, body: { code: "not_found" } });
    expect(new Set([first.localPort, second.localPort, third.localPort]).size).toBe(1);
  });

  it("ends an HTTP/1.1 connection answered before its request body was read, so no request waits behind it", async () => {
    const server = await startHealthServer();
    const socket = await connect(server.port);
    socket.on("error", () => {});
    // A gRPC-web message flagged as compressed without grpc-encoding is refused
    // at its first five bytes; a megabyte the server never reads follows.
    const body = Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), Buffer.alloc(1024 * 1024)]);
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    const ended = new Promise<boolean>((resolve) => {
      socket.once("end", () => resolve(true));
      setTimeout(() => resolve(false), 3_000).unref();
    });

    socket.write(
      "POST /grpc.health.v1.Health/Check HTTP/1.1\r\nhost: 127.0.0.1\r\n" +
        `content-type: application/grpc-web+proto\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);

    expect(await ended).toBe(true);
    const answer = Buffer.concat(received).toString("latin1");
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/grpc-status: ?\d+/);
  });

  it("serves static GET routes beside Connect", async () => {
    const server = await startHealthServer({
      staticRoutes: { "/metrics": (_request, response) => response.end("up 1\n") },
    });

    const get = await fetch(`${server.baseUrl}/metrics?format=text`);
    const post = await fetch(`${server.baseUrl}/metrics`, { method: "POST" });
    const other = await fetch(`${server.baseUrl}/metrics/other`);

    expect(get.status).toBe(200);
    expect(await get.text()).toBe("up 1\n");
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(other.status).toBe(404);
  });

  it("serves gRPC over cleartext HTTP/2 to grpc-js: Check and Watch", async () => {
    const server = await startHealthServer();
    const client = grpcJsClient(`127.0.0.1:${server.port}`);

    const serving = await callUnary(client, "check", { service: "svc.A" });
    const unknown = await callUnary(client, "check", { service: "svc.Nope" }).catch((error: grpc.ServiceError) => error);
    const call = (client as unknown as { watch(request: object): grpc.ClientReadableStream<{ status: string }> }).watch({ service: "svc.A" });
    const first = await readMessages(call, 1);
    const next = readMessages(call, 1);
    server.health.setStatus("svc.A", ServingStatus.NOT_SERVING);
    const second = await next;
    const ended = streamEnd(call);
    call.cancel();

    expect(serving).toEqual({ status: "SERVING" });
    expect(unknown).toMatchObject({ code: grpc.status.NOT_FOUND });
    expect(first).toEqual([{ status: "SERVING" }]);
    expect(second).toEqual([{ status: "NOT_SERVING" }]);
    expect(await ended).toBe(grpc.status.CANCELLED);
    expect(new Set(server.httpVersions)).toEqual(new Set(["2.0"]));
  });

  it("passes requests larger than one HTTP/2 window to grpc-js", async () => {
    const server = await startHealthServer();
    const client = grpcJsClient(`127.0.0.1:${server.port}`);
    const longName = "y".repeat(500_000);
    server.health.setStatus(longName, ServingStatus.NOT_SERVING);

    const response = await callUnary(client, "check", { service: longName });

    expect(response).toEqual({ status: "NOT_SERVING" });
  });

  it("serves gRPC-web to connect-web over fetch (HTTP/1.1)", async () => {
    const server = await startHealthServer();
    const client = createClient(Health, createGrpcWebTransport({ baseUrl: server.baseUrl }));
    const abort = new AbortController();

    const serving = await client.check({ service: "svc.A" });
    const unknown = await client.check({ service: "svc.Nope" }).then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
    const statuses: ServingStatus[] = [];
    const watched = (async () => {
      for await (const response of client.watch({ service: "svc.A" }, { signal: abort.signal })) {
        statuses.push(response.status);
        if (statuses.length === 1) server.health.setStatus("svc.A", ServingStatus.NOT_SERVING);
        if (statuses.length === 2) abort.abort();
      }
    })().catch((error: unknown) => ConnectError.from(error));

    expect(serving.status).toBe(ServingStatus.SERVING);
    expect(unknown?.code).toBe(Code.NotFound);
    expect(await watched).toMatchObject({ code: Code.Canceled });
    expect(statuses).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    expect(new Set(server.httpVersions)).toEqual(new Set(["1.1"]));
  });

  it("serves Connect over HTTP/2 to connect-node: unary and server stream", async () => {
    const server = await startHealthServer();
    const client = createClient(Health, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2" }));
    const abort = new AbortController();

    const serving = await client.check({ service: "" });
    const statuses: ServingStatus[] = [];
    for await (const response of client.watch({ service: "svc.New" }, { signal: abort.signal })) {
      statuses.push(response.status);
      if (statuses.length === 1) server.health.setStatus("svc.New", ServingStatus.SERVING);
      if (statuses.length === 2) server.health.shutdown();
    }

    expect(serving.status).toBe(ServingStatus.SERVING);
    // Unknown at first, then added, then shutdown ends the stream cleanly.
    expect(statuses).toEqual([ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    expect(new Set(server.httpVersions)).toEqual(new Set(["2.0"]));
  });
});

describe("TLS with ALPN", () => {
  const certificate = hasOpenssl ? createSelfSignedCert() : undefined;
  const tlsTest = certificate ? it : it.skip;
  const skipNote = certificate ? "" : " [skipped: no openssl CLI to make a test certificate]";

  tlsTest(`serves h2 and HTTP/1.1 on one TLS port${skipNote}`, async () => {
    const tls = certificate!;
    const server = await startHealthServer({ tls });
    const nodeOptions = { ca: tls.cert };
    const overH2 = createClient(Health, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2", nodeOptions }));
    const overHttp1 = createClient(Health, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1", nodeOptions }));
    const grpcJs = grpcJsClient(`localhost:${server.port}`, grpc.credentials.createSsl(Buffer.from(tls.cert)));

    const viaH2 = await overH2.check({ service: "svc.A" });
    const viaHttp1 = await overHttp1.check({ service: "svc.A" });
    const viaGrpcJs = await callUnary(grpcJs, "check", { service: "svc.A" });

    expect(viaH2.status).toBe(ServingStatus.SERVING);
    expect(viaHttp1.status).toBe(ServingStatus.SERVING);
    expect(viaGrpcJs).toEqual({ status: "SERVING" });
    expect(server.httpVersions).toEqual(["2.0", "1.1", "2.0"]);
    // The idle h2 sessions and keep-alive TLS connection do not hold up close.
    const startedAt = Date.now();
    await server.close(10_000);
    expect(Date.now() - startedAt).toBeLessThan(1_500);
  });
});

describe("graceful close", () => {
  it("lets in-flight unary calls on HTTP/2 and HTTP/1.1 finish, refusing new connections", async () => {
    const gate = createGate();
    const server = await startRoutes((router) =>
      router.service(Health, {
        async check() {
          gate.entered();
          await gate.released;
          return create(HealthCheckResponseSchema, { status: ServingStatus.SERVING });
        },
      }),
    );
    const client = grpcJsClient(`127.0.0.1:${server.port}`);
    const overH2 = callUnary(client, "check", { service: "" });
    const overHttp1 = postJson(server.baseUrl, "/grpc.health.v1.Health/Check", {});
    await gate.waitForEntered(2);

    const startedAt = Date.now();
    const closed = server.close(5_000);
    const refused = await connect(server.port).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => error,
    );
    gate.release();

    expect(refused).toMatchObject({ code: "ECONNREFUSED" });
    expect(await overH2).toEqual({ status: "SERVING" });
    const response = await overHttp1;
    expect(await response.json()).toEqual({ status: "SERVING" });
    expect(response.headers.get("connection")).toBe("close");
    await closed;
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it("ends long-lived streams on HTTP/2 and HTTP/1.1 once the grace period is over", async () => {
    const server = await startHealthServer();
    const grpcJs = grpcJsClient(`127.0.0.1:${server.port}`);
    const webClient = createClient(Health, createGrpcWebTransport({ baseUrl: server.baseUrl }));
    const h2Watch = (grpcJs as unknown as { watch(request: object): grpc.ClientReadableStream<unknown> }).watch({ service: "" });
    await readMessages(h2Watch, 1);
    const h2Ended = streamEnd(h2Watch);
    const webWatch = webClient.watch({ service: "" })[Symbol.asyncIterator]();
    await webWatch.next();
    const webEnded = webWatch.next().then(
      (result) => (result.done ? "ended cleanly" : "got a message"),
      (error: unknown) => ConnectError.from(error).code,
    );

    const startedAt = Date.now();
    await server.close(300);
    const elapsed = Date.now() - startedAt;

    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3_000);
    // grpc-js reports the dropped connection as UNAVAILABLE (retryable);
    // connect-web sees a body cut short, which it reports as an error code.
    expect(await h2Ended).toBe(grpc.status.UNAVAILABLE);
    expect(await webEnded).toBeTypeOf("number");
  });

  it("does not wait for idle keep-alive connections, idle HTTP/2 sessions or silent sockets", async () => {
    const server = await startHealthServer();
    await fetch(`${server.baseUrl}/grpc.health.v1.Health/Check`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    await callUnary(grpcJsClient(`127.0.0.1:${server.port}`), "check", { service: "" });
    await createClient(Health, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "2" })).check({});
    const silent = await connect(server.port);
    const silentClosed = new Promise((resolve) => silent.once("close", resolve));

    const startedAt = Date.now();
    await server.close(10_000);

    expect(Date.now() - startedAt).toBeLessThan(1_500);
    await silentClosed;
  });
});

describe("HTTP/1.1 timeouts", () => {
  it("answers 408 to a request whose headers do not arrive in time, and drops silent connections", async () => {
    const server = await startHealthServer({ http1: { headersTimeoutMs: 300 } });
    const slow = await connect(server.port);
    let received = "";
    slow.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    const slowClosed = new Promise((resolve) => slow.once("close", resolve));
    slow.write("GET /metrics HTTP/1.1\r\nHost: x\r\n");
    const silent = await connect(server.port);
    const silentClosed = new Promise((resolve) => silent.once("close", resolve));

    await Promise.all([slowClosed, silentClosed]);

    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });
});
