/**
 * Errors end to end: ErrorInfo on NOT_FOUND over every protocol, UNIMPLEMENTED
 * services, numbers past what the store holds, x-request-id on every
 * response, and what error bodies must never contain.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { errorInfoOf, expectJsonError, targetRequest, uniqueName } from "../support/api-fixtures.js";
import {
  type GrpcClients,
  type JsonReply,
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

let server: RunningServer;
let grpc: GrpcClients;
let binary: ReturnType<typeof createConnectBinaryClients>;
/** Every error body seen over fetch, checked for leaks at the end. */
const errorBodies: string[] = [];

beforeAll(async () => {
  server = await startServer();
  grpc = createGrpcClients(server.port);
  binary = createConnectBinaryClients(server.baseUrl);
});

afterAll(async () => {
  binary?.close();
  grpc?.close();
  await server?.close();
});

async function post(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonReply> {
  const reply = await postJson(server.baseUrl, path, body, headers);
  if (reply.status !== 200) errorBodies.push(reply.text);
  return reply;
}

const job = {
  conditionType: {
    case: "request" as const,
    value: { condition: { case: "method" as const, value: "/switchyard.v1.JobService/ExecuteJob" } },
  },
};

describe("numbers", () => {
  it("answers numbers past what the store holds without an internal error", async () => {
    // when
    const offset = await post("TargetService/ListTargets", { pagination: { offset: "18446744073709551615" } });
    const position = await post("EventService/ListEvents", { fromPosition: "18446744073709551615" });
    const events = await post("EventService/ListEvents", { pagination: { offset: "9223372036854775808" } });
    const deliveries = await post("DeliveryService/ListDeliveries", {
      eventPosition: "18446744073709551615",
      pagination: { offset: "18446744073709551615" },
    });

    // then
    expect(offset.status, offset.text).toBe(200);
    expect(offset.body.targets).toBeUndefined();
    expect(offset.body.pagination.appliedLimit).toBe(100);
    expect(position.status, position.text).toBe(200);
    expect(position.body.events).toBeUndefined();
    expect(events.status, events.text).toBe(200);
    expect(deliveries.status, deliveries.text).toBe(200);
    expect(deliveries.body.deliveries).toBeUndefined();
  });
});

describe("NOT_FOUND", () => {
  it("carries an ErrorInfo with reason and domain over JSON, grpc-js, gRPC-web and Connect binary", async () => {
    // given
    const id = uniqueName("missing");

    // when
    const json = await post("TargetService/GetTarget", { id });
    const grpcError = await grpcErrorOf(grpcUnary(grpc.targets, "GetTarget", { id }));
    const webError = await connectErrorOf(createGrpcWebClients(server.baseUrl).targets.getTarget({ id }));
    const binaryError = await connectErrorOf(binary.executions.getExecution({ condition: job }));

    // then
    expect(expectJsonError(json, 404, "not_found", "target_not_found").metadata).toEqual({ target_id: id });
    expect(json.body.message).toBe(`target "${id}" not found`);
    expect(grpcError.code).toBe(Code.NotFound);
    const [grpcInfo] = grpcErrorDetails(grpcError).findDetails(ErrorInfoSchema);
    expect(grpcInfo).toMatchObject({ reason: "target_not_found", domain: "switchyard", metadata: { target_id: id } });
    expect(webError.code).toBe(Code.NotFound);
    expect(webError.findDetails(ErrorInfoSchema)[0]).toMatchObject({
      reason: "target_not_found",
      domain: "switchyard",
    });
    expect(binaryError.code).toBe(Code.NotFound);
    expect(binaryError.findDetails(ErrorInfoSchema)[0]).toMatchObject({
      reason: "execution_not_found",
      domain: "switchyard",
      metadata: { condition: "request:method:/switchyard.v1.JobService/ExecuteJob" },
    });
  });
});

describe("DeliveryService errors", () => {
  it("answer NOT_FOUND with the delivery id for an unknown delivery, and INVALID_ARGUMENT for a Redeliver without selector", async () => {
    // when
    const get = await post("DeliveryService/GetDelivery", { id: "msg_missing" });
    const redeliver = await post("DeliveryService/Redeliver", { deliveryId: "msg_missing" });
    const empty = await post("DeliveryService/Redeliver", {});
    const grpcError = await grpcErrorOf(grpcUnary(grpc.deliveries, "GetDelivery", { id: "msg_missing" }));

    // then
    expect(expectJsonError(get, 404, "not_found", "delivery_not_found").metadata).toEqual({ delivery_id: "msg_missing" });
    expectJsonError(redeliver, 404, "not_found", "delivery_not_found");
    expect(empty.status, empty.text).toBe(400);
    expect(empty.body.code).toBe("invalid_argument");
    expect(grpcError.code).toBe(Code.NotFound);
  });
});

describe("jobs", () => {
  it.each([
    ["JobService/ExecuteJob", { operation: { function: "enrich" } }, { operation: { function: "enrich" } }, 400, "failed_precondition", Code.FailedPrecondition, "function_not_bound"],
    ["JobService/GetJob", { id: "job-1" }, { id: "job-1" }, 404, "not_found", Code.NotFound, "job_not_found"],
  ] as const)("%s answers the same error over Connect JSON and gRPC", async (path, json, protoFields, status, code, grpcCode, reason) => {
    // when
    const reply = await post(path, json);
    const [, method] = path.split("/") as [string, string];
    const grpcError = await grpcErrorOf(grpcUnary(grpc.jobs, method, protoFields));

    // then
    expect(reply.status, reply.text).toBe(status);
    expect(reply.body.code).toBe(code);
    expect(errorInfoOf(reply).reason).toBe(reason);
    expect(grpcError.code).toBe(grpcCode);
  });
});

describe("every response", () => {
  it("carries an x-request-id header, echoing a sane client id", async () => {
    // when
    const ok = await post("TargetService/CreateTarget", targetRequest(uniqueName("rid")));
    const failed = await post("TargetService/GetTarget", { id: "nope" });
    const echoed = await post("TargetService/GetTarget", { id: "nope" }, { "x-request-id": "client-chosen-42" });
    const insane = await post("TargetService/GetTarget", { id: "nope" }, { "x-request-id": "no spaces allowed" });
    const get = await fetch(
      `${server.baseUrl}/switchyard.v1.ExecutionService/ListExecutionServices?encoding=json&message=%7B%7D`,
    );
    const { metadata } = await grpcUnary(grpc.targets, "ListTargets", {});
    const grpcError = await grpcErrorOf(grpcUnary(grpc.targets, "GetTarget", { id: "nope" }));
    let webHeader: string | null = null;
    await createGrpcWebClients(server.baseUrl).targets.listTargets(
      {},
      { onHeader: (headers) => (webHeader = headers.get("x-request-id")) },
    );

    // then
    const uuid = /^[0-9a-f-]{36}$/;
    expect(ok.headers.get("x-request-id")).toMatch(uuid);
    expect(failed.headers.get("x-request-id")).toMatch(uuid);
    expect(failed.headers.get("x-request-id")).not.toBe(ok.headers.get("x-request-id"));
    expect(echoed.headers.get("x-request-id")).toBe("client-chosen-42");
    expect(insane.headers.get("x-request-id")).toMatch(uuid);
    expect(get.headers.get("x-request-id")).toMatch(uuid);
    expect(String(metadata.get("x-request-id")[0])).toMatch(uuid);
    expect(String(grpcError.metadata.get("x-request-id")[0])).toMatch(uuid);
    expect(webHeader).toMatch(uuid);
  });

  it("rejects unknown methods, unsupported content types and GETs of side-effect methods", async () => {
    expect((await routerRejections()).map((response) => response.status)).toEqual([404, 415, 405]);
  });

  it("carries an x-request-id header on router-level rejections too", async () => {
    for (const response of await routerRejections()) {
      expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

/** Requests the Connect router itself rejects, before any interceptor. */
async function routerRejections(): Promise<Response[]> {
  const url = `${server.baseUrl}/switchyard.v1.TargetService`;
  return [
    await fetch(`${url}/Nope`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } }),
    await fetch(`${url}/GetTarget`, { method: "POST", body: "{}", headers: { "content-type": "text/plain" } }),
    await fetch(`${url}/CreateTarget?encoding=json&message=%7B%7D`),
  ];
}

describe("error bodies", () => {
  it("never carry SQL or stack traces", async () => {
    // given: the error bodies of this file, plus a few odd inputs
    await post("TargetService/GetTarget", { id: "'; DROP TABLE targets; --" });
    await post("TargetService/ListTargets", {
      filters: [{ inTargetIdsFilter: { targetIds: ["'", '"', "\\", "%"] } }],
    });
    await post("TargetService/CreateTarget", targetRequest("'\"\\%_"));
    await post("TargetService/CreateTarget", targetRequest("'\"\\%_"));

    // then
    expect(errorBodies.length).toBeGreaterThan(10);
    for (const body of errorBodies) {
      expect(body).not.toMatch(/sqlite/i);
      expect(body).not.toContain("    at ");
      expect(body).not.toMatch(/\bSELECT\b|\bINSERT\b/);
      expect(JSON.parse(body).code).not.toBe("internal");
    }
  });
});
