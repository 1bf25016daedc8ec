/**
 * Retries end to end: real sinks that fail, throttle, hang or are gone, a
 * real server on short schedules, and GetDelivery showing every attempt.
 */
import { describe, expect, it } from "vitest";
import { listEvents } from "../support/api-fixtures.js";
import { getJson, postJson } from "../support/clients.js";
import {
  deliveriesListed,
  deliveryIn,
  durationMs,
  eventually,
  listDeliveries,
  onEvent,
  pushEvent,
  sinkTarget,
  target,
  useDeliveryWorld,
} from "../support/delivery-fixtures.js";
import { type SinkAnswer, startSink } from "../support/sink.js";

const given = useDeliveryWorld();

/** A responder answering with `answers` in turn, then 200 `{}` forever. */
const inTurn = (...answers: SinkAnswer[]) => (request: { number: number }) => answers[request.number - 1] ?? { json: {} };
const at = (timestamp: string) => new Date(timestamp).getTime();

describe("a failing delivery", () => {
  it("is retried on the schedule under the same webhook-id until it succeeds, every attempt recorded", async () => {
    // given: 500, then 503 with a 3 KiB body, then 200
    const server = await given.server({ deliverySchedule: [50, 100, 200] });
    const sink = await given.sink(startSink(inTurn({ status: 500, raw: "boom" }, { status: 503, raw: "é".repeat(1536) })));
    const flaky = await sinkTarget(server.baseUrl, sink.url);
    await onEvent(server.baseUrl, { event: "order.created" }, [target(flaky.id)]);

    // when
    const event = await pushEvent(server.baseUrl, "order.created");

    // then
    const requests = await sink.waitFor(3);
    const [{ id }] = (await deliveriesListed(server.baseUrl, {}, 1)) as [{ id: string }];
    const delivery = await deliveryIn(server.baseUrl, id, "SUCCEEDED");
    expect(requests.map((request) => request.headers["webhook-id"])).toEqual([id, id, id]);
    for (const request of requests) expect(sink.verified(request, flaky.signingKey)).toMatchObject({ position: event.position });
    expect(requests[1]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThanOrEqual(40);
    expect(requests[2]!.receivedAt - requests[1]!.receivedAt).toBeGreaterThanOrEqual(80);
    expect(delivery).toMatchObject({ attemptCount: 3, eventPosition: event.position, details: { sequence: "4" } });
    expect(delivery).not.toHaveProperty("nextAttemptAt");
    const [first, second, third] = delivery.attempts;
    expect(delivery.attempts.map((attempt: any) => [attempt.number, attempt.httpStatus, attempt.error])).toEqual([
      [1, 500, "answered 500"],
      [2, 503, "answered 503"],
      [3, 200, undefined],
    ]);
    expect(first.responseExcerpt).toBe("boom");
    expect(Buffer.byteLength(second.responseExcerpt)).toBeLessThanOrEqual(1024);
    expect(second.responseExcerpt).toBe("é".repeat(512));
    expect(third.responseExcerpt).toBe("{}");
    for (const attempt of delivery.attempts) expect(durationMs(attempt.latency)).toBeGreaterThanOrEqual(0);
    // ±20 % jitter on 50 ms and 100 ms, plus the attempt's own latency
    expect(at(first.nextAttemptAt) - at(first.attemptedAt)).toBeGreaterThanOrEqual(40);
    expect(at(first.nextAttemptAt) - at(first.attemptedAt)).toBeLessThan(60 + durationMs(first.latency) + 50);
    expect(at(second.nextAttemptAt) - at(second.attemptedAt)).toBeGreaterThanOrEqual(80);
    expect(third).not.toHaveProperty("nextAttemptAt");
  });

  it("waits as long as Retry-After says rather than the schedule", async () => {
    // given
    const server = await given.server({ deliverySchedule: [50] });
    const sink = await given.sink(startSink(inTurn({ status: 503, headers: { "retry-after": "1" } })));
    const throttled = await sinkTarget(server.baseUrl, sink.url);
    await onEvent(server.baseUrl, { event: "order.created" }, [target(throttled.id)]);

    // when
    await pushEvent(server.baseUrl, "order.created");

    // then
    const [firstRequest, secondRequest] = await sink.waitFor(2);
    const [{ id }] = (await deliveriesListed(server.baseUrl, {}, 1)) as [{ id: string }];
    const delivery = await deliveryIn(server.baseUrl, id, "SUCCEEDED");
    expect(secondRequest!.receivedAt - firstRequest!.receivedAt).toBeGreaterThanOrEqual(950);
    const [first] = delivery.attempts;
    expect(first).toMatchObject({ httpStatus: 503 });
    expect(at(first.nextAttemptAt) - at(first.attemptedAt)).toBeGreaterThanOrEqual(1000);
  });

  it("to a target that never answers times out on each attempt and is dead after the schedule", async () => {
    // given
    const server = await given.server({ deliverySchedule: [50] });
    const sink = await given.sink(startSink(() => ({ hang: true })));
    const silent = await sinkTarget(server.baseUrl, sink.url, { timeout: "1s" });
    await onEvent(server.baseUrl, { event: "order.created" }, [target(silent.id)]);

    // when
    await pushEvent(server.baseUrl, "order.created");

    // then
    const [{ id }] = (await deliveriesListed(server.baseUrl, {}, 1)) as [{ id: string }];
    const delivery = await deliveryIn(server.baseUrl, id, "DEAD");
    expect(sink.requests).toHaveLength(2);
    expect(delivery).toMatchObject({ attemptCount: 2 });
    expect(delivery).not.toHaveProperty("nextAttemptAt");
    for (const attempt of delivery.attempts) {
      expect(attempt.error).toBe("the target did not answer in time");
      expect(attempt).not.toHaveProperty("httpStatus");
      expect(durationMs(attempt.latency)).toBeGreaterThanOrEqual(950);
    }
    expect(delivery.attempts[0].nextAttemptAt).toBeDefined();
    expect(delivery.attempts[1]).not.toHaveProperty("nextAttemptAt");
  });
});

describe("a target that answers 410 Gone", () => {
  it("kills the delivery and is disabled with a reason and a target.disabled event; later events skip it", async () => {
    // given
    const server = await given.server();
    const goneSink = await given.sink(startSink(() => ({ status: 410 })));
    const liveSink = await given.sink(startSink());
    const gone = await sinkTarget(server.baseUrl, goneSink.url);
    const live = await sinkTarget(server.baseUrl, liveSink.url);
    await onEvent(server.baseUrl, { group: "order" }, [target(gone.id), target(live.id)]);

    // when
    await pushEvent(server.baseUrl, "order.created");

    // then
    const [{ id }] = (await deliveriesListed(server.baseUrl, { targetId: gone.id }, 1)) as [{ id: string }];
    const delivery = await deliveryIn(server.baseUrl, id, "DEAD");
    expect(delivery.attempts).toEqual([expect.objectContaining({ number: 1, httpStatus: 410, error: expect.stringMatching(/410 Gone/) })]);
    const shown = await eventually(async () => {
      const reply = await getJson(server.baseUrl, "TargetService/GetTarget", { id: gone.id });
      return reply.body.target.state === "TARGET_STATE_DISABLED" ? reply.body.target : undefined;
    }, "the gone target to be disabled");
    expect(shown.disabledReason).toBe(`answered 410 Gone to delivery ${id}`);
    const { events } = await listEvents(server.baseUrl, { filter: { aggregateId: gone.id } });
    expect(events.map((event) => [event.type, event.payload])).toEqual([
      ["target.added", expect.any(Object)],
      ["target.disabled", { reason: shown.disabledReason }],
    ]);

    // when
    await pushEvent(server.baseUrl, "order.paid");

    // then
    await liveSink.waitFor(2);
    expect(goneSink.requests).toHaveLength(1);
    expect((await listDeliveries(server.baseUrl, { targetId: gone.id })).total).toBe(1);
  });
});

describe("Redeliver by id", () => {
  it("schedules a dead delivery again, which succeeds under the same webhook-id once the sink is fixed", async () => {
    // given: a delivery dead after two failures
    const server = await given.server({ deliverySchedule: [50] });
    const sink = await given.sink(startSink(() => ({ status: 500 })));
    const broken = await sinkTarget(server.baseUrl, sink.url);
    await onEvent(server.baseUrl, { event: "order.created" }, [target(broken.id)]);
    await pushEvent(server.baseUrl, "order.created");
    const [{ id }] = (await deliveriesListed(server.baseUrl, {}, 1)) as [{ id: string }];
    await deliveryIn(server.baseUrl, id, "DEAD");
    sink.answer(() => ({ json: { ok: true } }));

    // when
    const reply = await postJson(server.baseUrl, "DeliveryService/Redeliver", { deliveryId: id });

    // then
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toEqual({ count: 1 });
    const delivery = await deliveryIn(server.baseUrl, id, "SUCCEEDED");
    expect(delivery.attempts.map((attempt: any) => [attempt.number, attempt.httpStatus])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(delivery.attempts[2].responseExcerpt).toBe('{"ok":true}');
    expect(sink.requests.map((request) => request.headers["webhook-id"])).toEqual([id, id, id]);
  });
});

describe("a delivery written while every place is taken", () => {
  it("is attempted as soon as a place frees, not at the next poll", async () => {
    // given: one place, a poll far away, and a sink that holds the first request
    const server = await given.server({ deliveryConcurrency: 1, deliveryPollMs: 60_000 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const sink = await given.sink(startSink(async (request) => {
      if (request.number === 1) await held;
      return { json: {} };
    }));
    const receiver = await sinkTarget(server.baseUrl, sink.url);
    await onEvent(server.baseUrl, { event: "order.created" }, [target(receiver.id)]);
    await pushEvent(server.baseUrl, "order.created", "o-1");
    await sink.waitFor(1);

    // when: a second delivery is written (unleased: no place), then the first one ends
    await pushEvent(server.baseUrl, "order.created", "o-2");
    release();

    // then
    const requests = await sink.waitFor(2, 5_000);
    expect(requests).toHaveLength(2);
  });
});
