/**
 * PushEvent: clients append their own events, with idempotency keys given as
 * a field or as the Idempotency-Key header (gRPC metadata too).
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { describe, expect, it } from "vitest";
import { EventService } from "../../gen/switchyard/v1/event_pb.js";
import { expectJsonError } from "../support/api-fixtures.js";
import { bearerInterceptor, postJson } from "../support/clients.js";
import { useServer } from "../support/use-server.js";

const server = useServer("each");
const order = { type: "order.placed", aggregateType: "order", aggregateId: "o-1", payload: { total: 12.5, items: ["a"] } };
const push = (body: object, headers: Record<string, string> = {}) =>
  postJson(server.baseUrl, "EventService/PushEvent", body, headers);
const storedEvents = async () => (await postJson(server.baseUrl, "EventService/ListEvents", { pagination: { asc: true } })).body.events ?? [];

describe("PushEvent", () => {
  it("appends the event, which lists and streams like a system event", async () => {
    const events = createClient(EventService, createGrpcTransport({ baseUrl: server.baseUrl, interceptors: [bearerInterceptor()] }));
    const watch = events.watchEvents({})[Symbol.asyncIterator]();
    const first = watch.next();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const reply = await push(order);

    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.event).toMatchObject({ ...order, position: "1", sequence: "1", resourceOwner: "default" });
    expect((await first).value?.event).toMatchObject({ type: "order.placed", position: 1n, payload: order.payload });
    expect(await storedEvents()).toHaveLength(1);
    await watch.return?.();
  });

  it("numbers events of one aggregate consecutively", async () => {
    await push(order);
    const second = await push({ ...order, type: "order.paid" });

    expect(second.body.event).toMatchObject({ position: "2", sequence: "2" });
  });

  it("refuses system type prefixes, system aggregates, oversized payloads and malformed types, storing nothing", async () => {
    expectJsonError(await push({ ...order, type: "target.added" }), 400, "invalid_argument", "reserved_event_type");
    expectJsonError(await push({ ...order, type: "job.succeeded" }), 400, "invalid_argument", "reserved_event_type");
    expectJsonError(await push({ ...order, aggregateType: "target" }), 400, "invalid_argument", "reserved_aggregate_type");
    const huge = { ...order, payload: { blob: "x".repeat(256 * 1024) } };
    expectJsonError(await push(huge), 400, "invalid_argument", "payload_too_large");
    const malformed = await push({ ...order, type: "has spaces" });

    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe("invalid_argument");
    expect(await storedEvents()).toEqual([]);
  });

  it("refuses a payload nested deeper than 32 levels, so every stored payload stays readable by binary clients", async () => {
    const nested = (levels: number): Record<string, unknown> => (levels === 1 ? { a: 1 } : { a: nested(levels - 1) });
    const events = createClient(EventService, createGrpcTransport({ baseUrl: server.baseUrl, interceptors: [bearerInterceptor()] }));

    const tooDeep = await push({ ...order, payload: nested(33) });
    const deepest = await push({ ...order, payload: nested(32) });
    // gRPC decodes with protobuf-es's default limit of 100 nested messages; 60 JSON levels used to break it.
    const listed = await events.listEvents({});

    const info = expectJsonError(tooDeep, 400, "invalid_argument", "json_too_deep");
    expect(info.metadata).toEqual({ field: "payload", depth: "33", limit: "32" });
    expect(deepest.status, deepest.text).toBe(200);
    expect(listed.events).toHaveLength(1);
  });

  it("answers a repeated idempotency key with the original event and refuses it for another request", async () => {
    const first = await push({ ...order, idempotencyKey: "key-1" });
    const again = await push({ ...order, payload: { items: ["a"], total: 12.5 }, idempotencyKey: "key-1" });
    const viaHeader = await push(order, { "idempotency-key": "key-1" });
    const different = await push({ ...order, payload: { total: 99 }, idempotencyKey: "key-1" });

    expect(again.body.event).toEqual(first.body.event);
    expect(viaHeader.body.event).toEqual(first.body.event);
    expectJsonError(different, 409, "already_exists", "idempotency_key_reused");
    expect(await storedEvents()).toHaveLength(1);
  });

  it("takes the key from gRPC metadata, and twenty racing duplicates store one event", async () => {
    const events = createClient(EventService, createGrpcTransport({ baseUrl: server.baseUrl, interceptors: [bearerInterceptor()] }));
    const request = { ...order, payload: order.payload };

    const replies = await Promise.all(
      Array.from({ length: 20 }, () => events.pushEvent(request, { headers: { "idempotency-key": "race" } })),
    );

    expect(new Set(replies.map((reply) => reply.event?.position))).toEqual(new Set([1n]));
    expect(await storedEvents()).toHaveLength(1);
  });

  it("refuses a field and a header that disagree", async () => {
    const reply = await push({ ...order, idempotencyKey: "a" }, { "idempotency-key": "b" });

    expectJsonError(reply, 400, "invalid_argument", "conflicting_idempotency_keys");
  });
});
