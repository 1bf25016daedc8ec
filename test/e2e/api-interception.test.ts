/**
 * Request/response interception, the rewriting side: `rest_call` targets
 * replace the request (validated again) or the response, receive a signed
 * envelope with allow-listed headers, are found on the very next RPC after a
 * SetExecution, and are never called when nothing matches. Real server, real
 * sinks as targets, a fresh database per test.
 */
import { describe, expect, it } from "vitest";
import { forwardedHeaders } from "../../server/api/interceptors/interception.js";
import { expectJsonError, listEvents } from "../support/api-fixtures.js";
import { createGrpcWebClients, postJson } from "../support/clients.js";
import {
  type InterceptionBody,
  bindRpc,
  methods,
  restCall,
  restWebhook,
  sinkTarget,
  useSinks,
} from "../support/interception-fixtures.js";
import type { SinkRequest } from "../support/sink.js";
import { useServer } from "../support/use-server.js";

const server = useServer("each");
const startSink = useSinks();
const order = { type: "order.placed", aggregateType: "order", aggregateId: "o-1", payload: { total: 12.5, items: ["a"] } };
const push = (body: object, headers: Record<string, string> = {}) => postJson(server.baseUrl, "EventService/PushEvent", body, headers);
const storedOrders = async () => (await listEvents(server.baseUrl, { filter: { aggregateType: "order" } })).events;
const bodyOf = (request: SinkRequest): InterceptionBody => JSON.parse(request.body) as InterceptionBody;
/** A sink answering `rewrite(side)` of what it receives, as a rest_call target would. */
const rewriting = (side: "request" | "response", rewrite: (message: any) => unknown) =>
  startSink((request) => ({ json: rewrite(bodyOf(request)[side]) }));

describe("a request execution with a rest_call target", () => {
  it("hands the handler the rewritten request, after sending the target a signed envelope without credentials", async () => {
    // given
    const sink = await rewriting("request", (request) => ({ ...request, type: "order.checked", payload: { ...request.payload, checked: true } }));
    const checker = await sinkTarget(server.baseUrl, sink, restCall(true));
    await bindRpc(server.baseUrl, "request", methods.pushEvent, [checker]);

    // when
    // The clients send the development key as a bearer token.
    const reply = await push(order, {
      cookie: "session=secret",
      "x-request-id": "req-interception-1",
      "accept-language": "de",
    });

    // then
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.event).toMatchObject({ type: "order.checked", payload: { total: 12.5, items: ["a"], checked: true } });
    expect((await storedOrders()).map((event) => event.type)).toEqual(["order.checked"]);
    expect(sink.requests).toHaveLength(1);
    const received = sink.verified(sink.requests[0]!, checker.signingKey) as InterceptionBody;
    expect(received).toEqual({
      fullMethod: methods.pushEvent,
      resourceOwner: "default",
      principal: { subject: expect.any(String), resourceOwner: "default" },
      request: order,
      headers: expect.objectContaining({
        "x-request-id": "req-interception-1",
        "accept-language": "de",
        "content-type": "application/json",
      }),
    });
    expect(forwardedHeaders).toEqual(expect.arrayContaining(Object.keys(received.headers)));
    expect(sink.requests[0]!.body).not.toMatch(/secret|bearer/i);
  });

  it("rewrites a ListEvents filter called over gRPC-web, whose content type the target sees", async () => {
    // given
    await push(order);
    await push({ ...order, type: "order.paid" });
    const sink = await rewriting("request", (request) => ({ ...request, filter: { types: ["order.paid"] } }));
    await bindRpc(server.baseUrl, "request", methods.listEvents, [await sinkTarget(server.baseUrl, sink, restCall())]);

    // when
    const reply = await createGrpcWebClients(server.baseUrl).events.listEvents({ filter: { aggregateType: "order" } });

    // then
    expect(reply.events.map((event) => event.type)).toEqual(["order.paid"]);
    expect(bodyOf(sink.requests[0]!).request).toEqual({ filter: { aggregateType: "order" } });
    expect(bodyOf(sink.requests[0]!).headers["content-type"]).toBe("application/grpc-web+proto");
  });

  it("validates the rewritten request again: a broken rule is INVALID_ARGUMENT with violations, and nothing is stored", async () => {
    // given
    const sink = await rewriting("request", (request) => ({ ...request, type: "has spaces" }));
    await bindRpc(server.baseUrl, "request", methods.pushEvent, [await sinkTarget(server.baseUrl, sink, restCall())]);

    // when
    const reply = await push(order);

    // then
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.code).toBe("invalid_argument");
    expect(reply.body.message).toContain("intercepted request is invalid");
    const detailTypes = (reply.body.details as { type: string }[]).map((detail) => detail.type);
    expect(detailTypes).toEqual(expect.arrayContaining(["buf.validate.Violations", "google.rpc.BadRequest"]));
    expect(await storedOrders()).toEqual([]);
  });

  it("refuses an answer that does not fit the request type with intercepted_request_invalid, storing nothing", async () => {
    // given
    const sink = await rewriting("request", (request) => ({ ...request, notAField: 1 }));
    await bindRpc(server.baseUrl, "request", methods.pushEvent, [await sinkTarget(server.baseUrl, sink, restCall())]);

    // when
    const reply = await push(order);

    // then
    const info = expectJsonError(reply, 400, "invalid_argument", "intercepted_request_invalid");
    expect(info.metadata).toEqual({ message_type: "switchyard.v1.PushEventRequest" });
    expect(await storedOrders()).toEqual([]);
  });
});

describe("a response execution with a rest_call target", () => {
  it("hands the client the rewritten response; the target saw the request (as rewritten before) and the response", async () => {
    // given
    const requestSink = await rewriting("request", (request) => ({ ...request, aggregateId: "o-2" }));
    const responseSink = await rewriting("response", (response) => ({ event: { ...response.event, type: "order.seen" } }));
    await bindRpc(server.baseUrl, "request", methods.pushEvent, [await sinkTarget(server.baseUrl, requestSink, restCall())]);
    const viewer = await sinkTarget(server.baseUrl, responseSink, restCall(true));
    await bindRpc(server.baseUrl, "response", methods.pushEvent, [viewer]);

    // when
    const reply = await push(order);

    // then
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.event).toMatchObject({ type: "order.seen", aggregateId: "o-2" });
    const received = responseSink.verified(responseSink.requests[0]!, viewer.signingKey) as InterceptionBody;
    expect(received).toMatchObject({ fullMethod: methods.pushEvent, request: { ...order, aggregateId: "o-2" } });
    expect(received.response.event).toEqual({ ...reply.body.event, type: "order.placed" });
    expect((await storedOrders()).map((event) => event.type)).toEqual(["order.placed"]);
  });

  it("fails with INTERNAL intercepted_response_invalid when the answer does not fit the response type", async () => {
    // given
    const sink = await rewriting("response", () => ({ event: { position: "not a number" } }));
    await bindRpc(server.baseUrl, "response", methods.pushEvent, [await sinkTarget(server.baseUrl, sink, restCall())]);

    // when
    const reply = await push(order);

    // then
    const info = expectJsonError(reply, 500, "internal", "intercepted_response_invalid");
    expect(info.metadata).toEqual({ message_type: "switchyard.v1.PushEventResponse" });
  });
});

describe("routing of intercepted RPCs", () => {
  it("uses a SetExecution or a target change from the very next RPC: never a stale cache", async () => {
    // given
    const first = await rewriting("request", (request) => ({ ...request, type: "order.by-first" }));
    const second = await rewriting("request", (request) => ({ ...request, type: "order.by-second" }));
    const firstTarget = await sinkTarget(server.baseUrl, first, restCall());
    const secondTarget = await sinkTarget(server.baseUrl, second, restCall());
    const typeOfNextPush = async () => (await push(order)).body.event.type as string;

    // when / then
    for (let round = 0; round < 3; round++) {
      await bindRpc(server.baseUrl, "request", methods.pushEvent, [firstTarget]);
      expect(await typeOfNextPush()).toBe("order.by-first");
      await bindRpc(server.baseUrl, "request", methods.pushEvent, [secondTarget]);
      expect(await typeOfNextPush()).toBe("order.by-second");
      await bindRpc(server.baseUrl, "request", methods.pushEvent, []);
      expect(await typeOfNextPush()).toBe("order.placed");
    }
    await bindRpc(server.baseUrl, "request", methods.pushEvent, [firstTarget]);
    const update = await postJson(server.baseUrl, "TargetService/UpdateTarget", { id: firstTarget.id, endpoint: second.url });
    expect(update.status, update.text).toBe(200);
    expect(await typeOfNextPush()).toBe("order.by-second");
    expect([first.requests.length, second.requests.length]).toEqual([3, 4]);
  });

  it("calls no target when no execution matches, although other executions exist", async () => {
    // given
    const sink = await startSink();
    const webhook = await sinkTarget(server.baseUrl, sink, restWebhook());
    await bindRpc(server.baseUrl, "request", methods.listEvents, [webhook]);
    await bindRpc(server.baseUrl, "response", "switchyard.v1.TargetService", [webhook]);
    await bindRpc(server.baseUrl, "request", methods.createTarget, [webhook]);

    // when
    const pushed = await push(order);
    const executions = await postJson(server.baseUrl, "ExecutionService/ListExecutions", {});
    const executionMethods = await postJson(server.baseUrl, "ExecutionService/ListExecutionMethods", {});

    // then
    expect([pushed.status, executions.status, executionMethods.status]).toEqual([200, 200, 200]);
    expect(sink.requests).toHaveLength(0);
    await listEvents(server.baseUrl);
    expect(sink.requests.map((request) => bodyOf(request).fullMethod)).toEqual([methods.listEvents]);
  });
});
