/**
 * Limits besides the rate: open streams per principal, request size over all
 * three protocols, and list page size on every paginated RPC.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type * as grpcJs from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { apiServices } from "../../server/app.js";
import { parseConfiguredApiKeys } from "../../server/auth/configured-keys.js";
import {
  type GrpcClients,
  connectErrorOf,
  createConnectBinaryClients,
  createGrpcClients,
  createGrpcWebClients,
  grpcErrorDetails,
  grpcErrorOf,
  grpcUnary,
  postJson,
} from "../support/clients.js";
import { type RunningServer, startServer } from "../support/start-server.js";

const otherKey = "sy_stream_limit_test_other_owner";
let server: RunningServer;
let grpc: GrpcClients;

beforeEach(async () => {
  server = await startServer({
    config: {
      maxStreamsPerPrincipal: 2,
      apiKeys: parseConfiguredApiKeys([{ key: otherKey, owner: "other", scopes: ["admin"], name: "other owner" }]),
    },
  });
  grpc = createGrpcClients(server.port);
});
afterEach(async () => {
  grpc.close();
  await server.close();
});

const pushEvent = (token?: string) =>
  postJson(
    server.baseUrl,
    "EventService/PushEvent",
    { type: "order.created", aggregateType: "order", aggregateId: "o-1" },
    token ? { authorization: `Bearer ${token}` } : {},
  );

const grpcCancelled = 1;

/** A grpc-js WatchEvents from position 1 that resolves `firstEvent` once an event arrived. */
function watchOverGrpc(): { firstEvent: Promise<void>; cancel(): void } {
  const call = (grpc.events.WatchEvents as Function).call(grpc.events, { from_position: "1" }) as grpcJs.ClientReadableStream<unknown>;
  const firstEvent = new Promise<void>((resolve, reject) => {
    call.once("data", () => resolve());
    call.on("error", (error: grpcJs.ServiceError) => (error.code === grpcCancelled ? undefined : reject(error)));
  });
  return { firstEvent, cancel: () => call.cancel() };
}

/**
 * Opens a WatchEvents from position 1 over Connect, waits for the first event,
 * and cancels it. The abort is what cancels the HTTP/2 stream: leaving the
 * `for await` alone does not, and the stream (and its slot) would stay open
 * until the connection closes.
 */
async function watchOnce(client: ReturnType<typeof createConnectBinaryClients>): Promise<void> {
  const cancel = new AbortController();
  try {
    for await (const _ of client.events.watchEvents({ fromPosition: 1n }, { signal: cancel.signal })) return;
  } finally {
    cancel.abort();
  }
}

describe("concurrent streams per principal", () => {
  it("refuses one stream over the cap with RESOURCE_EXHAUSTED too_many_streams", async () => {
    // given two open watches of the development key
    await pushEvent();
    const watches = [watchOverGrpc(), watchOverGrpc()];
    await Promise.all(watches.map((watch) => watch.firstEvent));
    const connect = createConnectBinaryClients(server.baseUrl);
    try {
      // when
      const error = await connectErrorOf(watchOnce(connect));

      // then
      expect(error.code).toBe(Code.ResourceExhausted);
      expect(error.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "too_many_streams", metadata: { limit: "2" } });
    } finally {
      for (const watch of watches) watch.cancel();
      connect.close();
    }
  });

  it("counts per principal: another owner may still open streams", async () => {
    // given
    await pushEvent(otherKey);
    const watches = [watchOverGrpc(), watchOverGrpc()];
    await pushEvent();
    await Promise.all(watches.map((watch) => watch.firstEvent));
    const web = createGrpcWebClients(server.baseUrl, otherKey);

    // when
    let received = 0;
    const cancel = new AbortController();
    for await (const _ of web.events.watchEvents({ fromPosition: 1n }, { signal: cancel.signal })) if (++received === 1) break;
    cancel.abort();

    // then
    expect(received).toBe(1);
    for (const watch of watches) watch.cancel();
  });

  it("frees the slot when the client cancels, over gRPC and over Connect", async () => {
    // given the cap is reached
    await pushEvent();
    const watches = [watchOverGrpc(), watchOverGrpc()];
    await Promise.all(watches.map((watch) => watch.firstEvent));
    const connect = createConnectBinaryClients(server.baseUrl);
    try {
      // when a gRPC watch is cancelled, then Connect watches open and close one after another
      watches[0]!.cancel();
      await eventually(() => watchOnce(connect));
      for (let i = 0; i < 5; i++) await eventually(() => watchOnce(connect));
      // the remaining gRPC watch and one more make two again
      let third: ReturnType<typeof watchOverGrpc> | undefined;
      await eventually(() => {
        third = watchOverGrpc();
        return third.firstEvent;
      });
      const refused = await connectErrorOf(watchOnce(connect));

      // then
      expect(refused.findDetails(ErrorInfoSchema)[0]?.reason).toBe("too_many_streams");
      third?.cancel();
    } finally {
      watches[1]!.cancel();
      connect.close();
    }
  });
});

function isGrpcError(error: unknown): error is grpcJs.ServiceError {
  return typeof error === "object" && error !== null && "code" in error && "metadata" in error;
}

/** Retries `attempt` while it fails with too_many_streams (a cancel reaches the server asynchronously). */
async function eventually(attempt: () => Promise<void>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const connectError = error instanceof ConnectError ? error : isGrpcError(error) ? grpcErrorDetails(error) : undefined;
      const tooMany = connectError?.findDetails(ErrorInfoSchema)[0]?.reason === "too_many_streams";
      if (!tooMany || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe("request size", () => {
  const oversizedTarget = {
    name: "x".repeat(4 * 1024 * 1024 + 1),
    endpoint: "https://example.com/hook",
    timeout: { seconds: 1n },
  };

  it("refuses a request over 4 MiB with RESOURCE_EXHAUSTED over Connect binary, gRPC and gRPC-web", async () => {
    // given
    const connect = createConnectBinaryClients(server.baseUrl);
    const web = createGrpcWebClients(server.baseUrl);
    try {
      // when
      const overConnect = await connectErrorOf(
        connect.targets.createTarget({ ...oversizedTarget, targetType: { case: "restAsync", value: {} } }),
      );
      const overWeb = await connectErrorOf(web.targets.createTarget({ ...oversizedTarget, targetType: { case: "restAsync", value: {} } }));
      const overGrpc = await grpcErrorOf(
        grpcUnary(grpc.targets, "CreateTarget", { ...oversizedTarget, timeout: { seconds: "1" }, rest_async: {} }),
      );
      const listed = await postJson(server.baseUrl, "TargetService/ListTargets", {});

      // then
      expect(overConnect.code).toBe(Code.ResourceExhausted);
      expect(overWeb.code).toBe(Code.ResourceExhausted);
      expect(overGrpc.code).toBe(Code.ResourceExhausted);
      expect(listed.body.targets ?? []).toEqual([]);
    } finally {
      connect.close();
    }
  });
});

describe("list page size", () => {
  const paginated = apiServices.flatMap((service) =>
    service.methods
      .filter((method) => method.input.fields.some((field) => field.name === "pagination"))
      .map((method) => `${service.name}/${method.name}`),
  );
  // Lists of what the server itself defines (functions, methods, services of its API): bounded by the code.
  const unpaginatedLists = new Set(["ExecutionService/ListExecutionFunctions", "ExecutionService/ListExecutionMethods", "ExecutionService/ListExecutionServices"]);

  it("every RPC that returns a list of stored resources takes a pagination request", () => {
    const lists = apiServices.flatMap((service) =>
      service.methods
        .filter((method) => method.output.fields.some((field) => field.fieldKind === "list"))
        .map((method) => `${service.name}/${method.name}`),
    );

    expect(lists.filter((name) => !unpaginatedLists.has(name)).sort()).toEqual([...paginated].sort());
  });

  it.each(paginated)("%s refuses a page over 1000 with INVALID_ARGUMENT on pagination.limit", async (method) => {
    // when
    const over = await postJson(server.baseUrl, `${method}`, { pagination: { limit: 1001 } });
    const atMost = await postJson(server.baseUrl, `${method}`, { pagination: { limit: 1000 } });

    // then
    expect(over.status).toBe(400);
    expect(fieldViolations(over.body)).toContain("pagination.limit");
    expect(fieldViolations(atMost.body)).not.toContain("pagination.limit");
  });
});

function fieldViolations(body: { details?: { type: string; value: string }[] } | undefined): string[] {
  const detail = body?.details?.find((d) => d.type === "google.rpc.BadRequest");
  if (!detail) return [];
  return fromBinary(BadRequestSchema, Buffer.from(detail.value, "base64")).fieldViolations.map((violation) => violation.field);
}
