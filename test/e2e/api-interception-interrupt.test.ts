/**
 * Request/response interception, the failing side: targets with
 * `interruptOnError` fail the RPC (with a forwarded status, or UNAVAILABLE)
 * over every protocol before anything is written, targets without it never
 * do, the management services stay reachable whatever `request all` is bound
 * to, and `rest_async` steps never hold the RPC up. Real server, real sinks.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { expectJsonError, listEvents } from "../support/api-fixtures.js";
import {
  connectErrorOf,
  createGrpcClients,
  createGrpcWebClients,
  grpcErrorDetails,
  grpcErrorOf,
  grpcUnary,
  postJson,
} from "../support/clients.js";
import {
  type InterceptionBody,
  bindRpc,
  methods,
  restAsync,
  restCall,
  restWebhook,
  rpcCondition,
  sinkTarget,
  useSinks,
} from "../support/interception-fixtures.js";
import { useServer } from "../support/use-server.js";

const server = useServer("each");
const startSink = useSinks();
const order = { type: "order.placed", aggregateType: "order", aggregateId: "o-1", payload: { total: 12.5 } };
const push = (body: object = order) => postJson(server.baseUrl, "EventService/PushEvent", body);
const post = (path: string, body: unknown = {}) => postJson(server.baseUrl, path, body);
const storedOrders = async () => (await listEvents(server.baseUrl, { filter: { aggregateType: "order" } })).events;
const forbidden = { json: { forwardedStatusCode: 403, forwardedErrorMessage: "nope" } };

describe("a target with interruptOnError", () => {
  it("fails the RPC with the status it forwards, over Connect JSON, gRPC and gRPC-web", async () => {
    // given
    const gate = await sinkTarget(server.baseUrl, await startSink(() => forbidden), restWebhook(true));
    await bindRpc(server.baseUrl, "request", methods.listEvents, [gate]);
    const grpc = createGrpcClients(server.port);

    // when
    const json = await post("EventService/ListEvents");
    const grpcError = await grpcErrorOf(grpcUnary(grpc.events, "ListEvents", {})).finally(() => grpc.close());
    const webError = await connectErrorOf(createGrpcWebClients(server.baseUrl).events.listEvents({}));

    // then
    const info = expectJsonError(json, 403, "permission_denied", "forwarded_by_target");
    expect(info.metadata).toEqual({ target_id: gate.id, http_status: "403" });
    expect(json.body.message).toBe("nope");
    expect(grpcError.code).toBe(Code.PermissionDenied);
    expect(grpcError.details).toBe("nope");
    expect(grpcErrorDetails(grpcError).findDetails(ErrorInfoSchema)[0]?.reason).toBe("forwarded_by_target");
    expect(webError.code).toBe(Code.PermissionDenied);
    expect(webError.rawMessage).toBe("nope");
    expect(webError.findDetails(ErrorInfoSchema)[0]?.reason).toBe("forwarded_by_target");
  });

  it("maps forwarded HTTP statuses to Connect codes", async () => {
    // given
    let status = 0;
    const gate = await sinkTarget(server.baseUrl, await startSink(() => ({ json: { forwardedStatusCode: status } })), restCall(true));
    await bindRpc(server.baseUrl, "request", methods.listEvents, [gate]);
    const expected: [number, string][] = [
      [400, "invalid_argument"],
      [401, "unauthenticated"],
      [404, "not_found"],
      [409, "already_exists"],
      [418, "failed_precondition"],
      [429, "resource_exhausted"],
      [503, "unavailable"],
      [500, "internal"],
    ];

    // when
    const codes: [number, string][] = [];
    for (const [forwarded] of expected) {
      status = forwarded;
      const reply = await post("EventService/ListEvents");
      codes.push([forwarded, reply.body.code]);
      expect(reply.body.message).toBe(`forwarded status ${forwarded}`);
    }

    // then
    expect(codes).toEqual(expected);
  });

  it("fails the RPC with UNAVAILABLE target_failed when it answers 500, and PushEvent stores nothing", async () => {
    // given
    const sink = await startSink(() => ({ status: 500 }));
    const strict = await sinkTarget(server.baseUrl, sink, restCall(true));
    await bindRpc(server.baseUrl, "request", methods.pushEvent, [strict]);

    // when
    const reply = await push();

    // then
    const info = expectJsonError(reply, 503, "unavailable", "target_failed");
    expect(info.metadata).toEqual({ target_id: strict.id, cause: "http_status", side: "request" });
    expect(sink.requests).toHaveLength(1);
    expect(await storedOrders()).toEqual([]);
  });

  it("fails the RPC with UNAVAILABLE target_failed when it does not answer within its timeout", async () => {
    // given
    const silent = await sinkTarget(server.baseUrl, await startSink(() => ({ hang: true })), { ...restWebhook(true), timeout: "0.2s" });
    await bindRpc(server.baseUrl, "request", methods.pushEvent, [silent]);

    // when
    const reply = await push();

    // then
    expect(expectJsonError(reply, 503, "unavailable", "target_failed").metadata).toMatchObject({ cause: "timeout" });
    expect(await storedOrders()).toEqual([]);
  });

  it("on the response side fails the RPC after the handler ran: the event stays stored", async () => {
    // given
    const strict = await sinkTarget(server.baseUrl, await startSink(() => ({ status: 500 })), restWebhook(true));
    await bindRpc(server.baseUrl, "response", methods.pushEvent, [strict]);

    // when
    const reply = await push();

    // then
    expect(expectJsonError(reply, 503, "unavailable", "target_failed").metadata).toMatchObject({ side: "response" });
    expect(await storedOrders()).toHaveLength(1);
  });
});

describe("targets without interruptOnError", () => {
  it("never fail the RPC: failing, garbled and forwarding answers are passed over, and later steps still run", async () => {
    // given
    const failing = await sinkTarget(server.baseUrl, await startSink(() => ({ status: 500 })), restCall());
    const garbled = await sinkTarget(server.baseUrl, await startSink(() => ({ raw: "<html>" })), restCall());
    const forwarding = await sinkTarget(server.baseUrl, await startSink(() => forbidden), restCall());
    const forwardingHook = await sinkTarget(server.baseUrl, await startSink(() => forbidden), restWebhook());
    const lastSink = await startSink((request) => ({ json: { ...(JSON.parse(request.body) as InterceptionBody).request, type: "order.last" } }));
    const last = await sinkTarget(server.baseUrl, lastSink, restCall());
    await bindRpc(server.baseUrl, "request", methods.pushEvent, [failing, garbled, forwarding, forwardingHook, last]);

    // when
    const reply = await push();

    // then
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.event).toMatchObject({ type: "order.last", payload: order.payload });
    expect((JSON.parse(lastSink.requests[0]!.body) as InterceptionBody).request).toEqual(order);
  });
});

describe("the management services", () => {
  it("are not matched by `request all` bound to a failing interrupting target, so its binding can be removed", async () => {
    // given
    const sink = await startSink(() => ({ status: 500 }));
    const broken = await sinkTarget(server.baseUrl, sink, restWebhook(true));
    await bindRpc(server.baseUrl, "request", "all", [broken]);

    // when
    const events = await post("EventService/ListEvents");
    const created = await post("TargetService/CreateTarget", { name: "another", endpoint: sink.url, timeout: "1s", restAsync: {} });
    const listed = await post("TargetService/ListTargets");
    const executions = await post("ExecutionService/ListExecutions");
    const removed = await post("ExecutionService/SetExecution", { condition: rpcCondition("request", "all"), targets: [] });
    const eventsAfter = await post("EventService/ListEvents");

    // then
    expectJsonError(events, 503, "unavailable", "target_failed");
    expect([created.status, listed.status, executions.status, removed.status], removed.text).toEqual([200, 200, 200, 200]);
    expect(eventsAfter.status, eventsAfter.text).toBe(200);
    expect(sink.requests.map((request) => (JSON.parse(request.body) as InterceptionBody).fullMethod)).toEqual([methods.listEvents]);
  });

  it("refuse interrupting targets on their methods and services, and call non-interrupting ones", async () => {
    // given
    const sink = await startSink((request) => {
      const { request: create } = JSON.parse(request.body) as InterceptionBody;
      return { json: { ...create, name: `${create.name}-checked` } };
    });
    const strict = await sinkTarget(server.baseUrl, sink, restCall(true));
    const lenient = await sinkTarget(server.baseUrl, sink, restCall());
    const bind = (condition: Record<string, unknown>, id: string) => post("ExecutionService/SetExecution", { condition, targets: [{ target: id }] });

    // when
    const onMethod = await bind(rpcCondition("request", methods.createTarget), strict.id);
    const onService = await bind(rpcCondition("response", "switchyard.v1.ExecutionService"), strict.id);
    const lenientBinding = await bind(rpcCondition("request", methods.createTarget), lenient.id);
    const created = await post("TargetService/CreateTarget", { name: "gated", endpoint: sink.url, timeout: "1s", restAsync: {} });

    // then
    const info = expectJsonError(onMethod, 400, "failed_precondition", "interrupt_on_management_method");
    expect(info.metadata).toEqual({ target_id: strict.id, condition: `request:method:${methods.createTarget}` });
    expectJsonError(onService, 400, "failed_precondition", "interrupt_on_management_method");
    expect(lenientBinding.status, lenientBinding.text).toBe(200);
    expect(created.status, created.text).toBe(200);
    const shown = await post("TargetService/GetTarget", { id: created.body.id });
    expect(shown.body.target.name).toBe("gated-checked");
    expect(sink.verified(sink.requests[0]!, lenient.signingKey)).toMatchObject({ fullMethod: methods.createTarget });
  });

  it("ignore interruptOnError of a bound target switched to it later", async () => {
    // given
    const sink = await startSink(() => forbidden);
    const hook = await sinkTarget(server.baseUrl, sink, restWebhook());
    await bindRpc(server.baseUrl, "request", methods.createTarget, [hook]);
    const update = await post("TargetService/UpdateTarget", { id: hook.id, restWebhook: { interruptOnError: true } });
    expect(update.status, update.text).toBe(200);

    // when
    const created = await post("TargetService/CreateTarget", { name: "still-works", endpoint: sink.url, timeout: "1s", restAsync: {} });

    // then
    expect(created.status, created.text).toBe(200);
    expect(sink.requests).toHaveLength(1);
  });
});

describe("a rest_async target in a request chain", () => {
  it("never holds the RPC up, and is delivered durably with the same signed envelope", async () => {
    // given: the sink holds its answer until the RPC has answered
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slowSink = await startSink(() => released.then(() => ({ json: {} })));
    const audit = await sinkTarget(server.baseUrl, slowSink, restAsync());
    const nextSink = await startSink((request) => ({ json: { ...(JSON.parse(request.body) as InterceptionBody).request, type: "order.next" } }));
    await bindRpc(server.baseUrl, "request", methods.pushEvent, [audit, await sinkTarget(server.baseUrl, nextSink, restCall())]);

    // when
    const reply = await push();

    // then
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.event.type).toBe("order.next");
    const [delivered] = await slowSink.waitFor(1);
    expect(slowSink.verified(delivered!, audit.signingKey)).toEqual({
      fullMethod: methods.pushEvent,
      resourceOwner: "default",
      principal: { subject: expect.any(String), resourceOwner: "default" },
      request: order,
      headers: expect.objectContaining({ "content-type": "application/json" }),
    });
    expect(delivered!.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
    release();
  });
});
