/**
 * DeliveryService end to end: event executions deliver signed envelopes to
 * real sinks, and ListDeliveries / GetDelivery / Redeliver show and steer the
 * outbox — over Connect JSON, once over grpc-js.
 */
import { describe, expect, it } from "vitest";
import { expectJsonError, listEvents, nextMillisecond } from "../support/api-fixtures.js";
import { createGrpcClients, grpcUnary, postJson } from "../support/clients.js";
import {
  deliveriesListed,
  deliveryIn,
  includeEvent,
  listDeliveries,
  onEvent,
  pushEvent,
  sinkTarget,
  target,
  useDeliveryWorld,
} from "../support/delivery-fixtures.js";
import { startSink } from "../support/sink.js";

const given = useDeliveryWorld();

describe("event deliveries", () => {
  it("send each target of the matching execution, includes expanded, the signed event envelope under the delivery id", async () => {
    // given: order.created → [created, include group order]; group order → [anyOrder]
    const server = await given.server();
    const createdSink = await given.sink(startSink());
    const orderSink = await given.sink(startSink());
    const created = await sinkTarget(server.baseUrl, createdSink.url);
    const anyOrder = await sinkTarget(server.baseUrl, orderSink.url);
    await onEvent(server.baseUrl, { group: "order" }, [target(anyOrder.id)]);
    await onEvent(server.baseUrl, { event: "order.created" }, [target(created.id), includeEvent({ group: "order" })]);

    // when
    const event = await pushEvent(server.baseUrl, "order.created", "o-7", { total: 12.5 });
    const paid = await pushEvent(server.baseUrl, "order.paid", "o-7");

    // then
    const [toCreated] = await createdSink.waitFor(1);
    const [firstToOrder, secondToOrder] = await orderSink.waitFor(2);
    const envelope = {
      position: event.position,
      aggregateType: "order",
      aggregateId: "o-7",
      sequence: "1",
      type: "order.created",
      payload: { total: 12.5 },
      resourceOwner: "default",
      createdAt: new Date(event.createdAt).toISOString(),
    };
    expect(createdSink.verified(toCreated!, created.signingKey)).toEqual(envelope);
    expect(orderSink.verified(firstToOrder!, anyOrder.signingKey)).toEqual(envelope);
    expect(orderSink.verified(secondToOrder!, anyOrder.signingKey)).toMatchObject({ type: "order.paid", position: paid.position });
    expect(toCreated!.headers["content-type"]).toBe("application/json");
    const deliveries = await deliveriesListed(server.baseUrl, { statuses: ["DELIVERY_STATUS_SUCCEEDED"] }, 3);
    expect(deliveries.map((delivery) => [delivery.targetId, delivery.eventPosition])).toEqual(
      expect.arrayContaining([
        [created.id, event.position],
        [anyOrder.id, event.position],
        [anyOrder.id, paid.position],
      ]),
    );
    const byTarget = deliveries.find((delivery) => delivery.targetId === created.id);
    expect(byTarget).toMatchObject({ id: toCreated!.headers["webhook-id"], kind: "DELIVERY_KIND_EVENT", endpoint: createdSink.url, attemptCount: 1 });
    expect(byTarget.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(byTarget).not.toHaveProperty("attempts");
  });

  it("deliver system events too, with secrets redacted as in ListEvents", async () => {
    // given
    const server = await given.server();
    const sink = await given.sink(startSink());
    const watcher = await sinkTarget(server.baseUrl, sink.url);
    await onEvent(server.baseUrl, { group: "target" }, [target(watcher.id)]);

    // when
    const added = await sinkTarget(server.baseUrl, "https://example.com/hook");

    // then
    const [request] = await sink.waitFor(1);
    const body = sink.verified(request!, watcher.signingKey) as Record<string, any>;
    const { events } = await listEvents(server.baseUrl, { filter: { aggregateId: added.id } });
    expect(body).toMatchObject({ type: "target.added", aggregateType: "target", aggregateId: added.id, position: events[0]!.position });
    expect(body.payload).toEqual(events[0]!.payload);
    expect(body.payload.signingKey).toBe("[redacted]");
    expect(request!.body).not.toContain(added.signingKey);
  });
});

describe("ListDeliveries", () => {
  it("filters by target, status, event position and creation time, and pages like every list", async () => {
    // given: three events to a good sink, then two to a failing one
    const server = await given.server({ deliverySchedule: [] });
    const good = await given.sink(startSink());
    const bad = await given.sink(startSink(() => ({ status: 500 })));
    const goodTarget = await sinkTarget(server.baseUrl, good.url);
    const badTarget = await sinkTarget(server.baseUrl, bad.url);
    await onEvent(server.baseUrl, { event: "order.created" }, [target(goodTarget.id)]);
    const first = await pushEvent(server.baseUrl, "order.created", "o-1");
    await pushEvent(server.baseUrl, "order.created", "o-2");
    await pushEvent(server.baseUrl, "order.created", "o-3");
    await good.waitFor(3);
    await nextMillisecond();
    const between = new Date().toISOString();
    await nextMillisecond();
    await onEvent(server.baseUrl, { event: "order.created" }, [target(badTarget.id)]);
    await pushEvent(server.baseUrl, "order.created", "o-4");
    await pushEvent(server.baseUrl, "order.created", "o-5");
    await deliveriesListed(server.baseUrl, { statuses: ["DELIVERY_STATUS_DEAD"] }, 2);
    const ids = async (request: Record<string, unknown>) => (await listDeliveries(server.baseUrl, request)).deliveries.map((d) => d.id);
    const { deliveries } = await listDeliveries(server.baseUrl);
    const all = deliveries.map((delivery) => delivery.id);

    // then
    expect(all).toHaveLength(5);
    expect(await ids({ targetId: goodTarget.id })).toEqual(all.slice(0, 3));
    expect(await ids({ targetId: badTarget.id, statuses: ["DELIVERY_STATUS_DEAD", "DELIVERY_STATUS_FAILED"] })).toEqual(all.slice(3));
    expect(await ids({ targetId: goodTarget.id, statuses: ["DELIVERY_STATUS_DEAD"] })).toEqual([]);
    expect(await ids({ eventPosition: first.position })).toEqual([deliveries.find((d) => d.eventPosition === first.position).id]);
    expect(await ids({ created: { from: between } })).toEqual(all.slice(3));
    expect(await ids({ created: { to: between } })).toEqual(all.slice(0, 3));
    expect(await ids({ jobId: "job-1" })).toEqual([]);
    expect(await ids({ targetId: "unknown" })).toEqual([]);
    const page = await postJson(server.baseUrl, "DeliveryService/ListDeliveries", { pagination: { offset: 1, limit: 2 } });
    expect(page.body.pagination).toEqual({ totalResult: "5", appliedLimit: 2 });
    expect(page.body.deliveries.map((delivery: any) => delivery.id)).toEqual([all[3], all[2]]);
    // grpc-js (proto-loader) speaks the .proto's own field names
    const { response } = await grpcOver(server.port, "ListDeliveries", {
      target_id: badTarget.id,
      statuses: ["DELIVERY_STATUS_DEAD", "DELIVERY_STATUS_SUCCEEDED"],
      pagination: { asc: true },
    });
    expect(response.pagination).toEqual({ total_result: "2", applied_limit: 100 });
    expect(response.deliveries.map((delivery: any) => [delivery.id, delivery.status, delivery.kind])).toEqual([
      [all[3], "DELIVERY_STATUS_DEAD", "DELIVERY_KIND_EVENT"],
      [all[4], "DELIVERY_STATUS_DEAD", "DELIVERY_KIND_EVENT"],
    ]);
  });

  it("refuses an unspecified status", async () => {
    // given
    const server = await given.server();

    // when
    const reply = await postJson(server.baseUrl, "DeliveryService/ListDeliveries", { statuses: ["DELIVERY_STATUS_UNSPECIFIED"] });

    // then
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.code).toBe("invalid_argument");
  });
});

describe("GetDelivery and Redeliver", () => {
  it("answer NOT_FOUND for an unknown id and for another owner's delivery, which no list shows", async () => {
    // given: a delivery of another owner, leased far away so nobody attempts it
    const server = await given.server();
    const foreign = "msg_0123456789abcdef0123456789abcdef";
    await server.store.append({
      actor: { resourceOwner: "other-owner", subject: "test" },
      events: [],
      expectations: [],
      deliveries: [
        { id: foreign, kind: "callback", endpoint: "https://example.com/cb", body: "{}", lease: { owner: "nobody", until: new Date(Date.now() + 3_600_000) } },
      ],
    });

    // then
    for (const id of ["msg_unknown", foreign]) {
      expectJsonError(await postJson(server.baseUrl, "DeliveryService/GetDelivery", { id }), 404, "not_found", "delivery_not_found");
      expectJsonError(await postJson(server.baseUrl, "DeliveryService/Redeliver", { deliveryId: id }), 404, "not_found", "delivery_not_found");
    }
    expect((await listDeliveries(server.baseUrl)).total).toBe(0);
    expect((await server.store.getDelivery("other-owner", foreign))?.status).toBe("pending");
  });

  it("redelivers the dead deliveries of a target created in a range, answering how many", async () => {
    // given: two dead deliveries before `between`, one after, and one dead to another target
    const server = await given.server({ deliverySchedule: [] });
    const sink = await given.sink(startSink(() => ({ status: 500 })));
    const other = await given.sink(startSink(() => ({ status: 500 })));
    const flaky = await sinkTarget(server.baseUrl, sink.url);
    const bystander = await sinkTarget(server.baseUrl, other.url);
    await onEvent(server.baseUrl, { event: "order.created" }, [target(flaky.id), target(bystander.id)]);
    await pushEvent(server.baseUrl, "order.created", "o-1");
    await pushEvent(server.baseUrl, "order.created", "o-2");
    await deliveriesListed(server.baseUrl, { statuses: ["DELIVERY_STATUS_DEAD"] }, 4);
    await nextMillisecond();
    const between = new Date().toISOString();
    await onEvent(server.baseUrl, { event: "order.created" }, [target(flaky.id)]);
    await pushEvent(server.baseUrl, "order.created", "o-3");
    await deliveriesListed(server.baseUrl, { statuses: ["DELIVERY_STATUS_DEAD"] }, 5);
    sink.answer(() => ({ json: {} }));

    // when
    const early = await postJson(server.baseUrl, "DeliveryService/Redeliver", { dead: { targetId: flaky.id, created: { to: between } } });
    const none = await postJson(server.baseUrl, "DeliveryService/Redeliver", { dead: { targetId: "unknown" } });

    // then
    expect(early.body).toEqual({ count: 2 });
    expect(none.body).toEqual({});
    await deliveriesListed(server.baseUrl, { targetId: flaky.id, statuses: ["DELIVERY_STATUS_SUCCEEDED"] }, 2);
    const rest = await postJson(server.baseUrl, "DeliveryService/Redeliver", { dead: { targetId: flaky.id } });
    expect(rest.body).toEqual({ count: 1 });
    await deliveriesListed(server.baseUrl, { targetId: flaky.id, statuses: ["DELIVERY_STATUS_SUCCEEDED"] }, 3);
    expect((await listDeliveries(server.baseUrl, { targetId: bystander.id, statuses: ["DELIVERY_STATUS_DEAD"] })).total).toBe(2);
    expect(sink.requests).toHaveLength(6);
  });
});

describe("the outbound deny list", () => {
  it("refuses loopback by address and by name when nothing is allowed: dead at once, and the sink hears nothing", async () => {
    // given: a schedule that would retry, to show a refusal is not retried
    const server = await given.server({ targetAllow: [], deliverySchedule: [50, 50, 50] });
    const sink = await given.sink(startSink());
    const byAddress = await sinkTarget(server.baseUrl, sink.url);
    const byName = await sinkTarget(server.baseUrl, sink.url.replace("127.0.0.1", "localhost"));
    await onEvent(server.baseUrl, { event: "order.created" }, [target(byAddress.id), target(byName.id)]);

    // when
    await pushEvent(server.baseUrl, "order.created");

    // then
    const dead = await deliveriesListed(server.baseUrl, { statuses: ["DELIVERY_STATUS_DEAD"] }, 2);
    for (const { id } of dead) {
      const delivery = await deliveryIn(server.baseUrl, id, "DEAD");
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0]).not.toHaveProperty("httpStatus");
      expect(delivery.attempts[0].error).toMatch(/refused to connect to .*denied range/);
    }
    expect(sink.requests).toEqual([]);
  });
});

/** A grpc-js unary call of DeliveryService, closing the client after. */
async function grpcOver(port: number, method: string, request: object): Promise<{ response: any }> {
  const grpc = createGrpcClients(port);
  try {
    return await grpcUnary(grpc.deliveries, method, request);
  } finally {
    grpc.close();
  }
}
