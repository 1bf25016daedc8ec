/**
 * Given-steps and waits for delivery tests, in Connect JSON over plain fetch:
 * a server per test with a short retry schedule, event executions bound to
 * sinks, pushed events, and polls of the outbox until it reaches a state.
 */
import { afterEach, expect } from "vitest";
import type { Config } from "../../server/config.js";
import { type CreatedTarget, createTarget, include, setExecution, target, uniqueName } from "./api-fixtures.js";
import { postJson } from "./clients.js";
import type { Sink } from "./sink.js";
import { type RunningServer, startServer } from "./start-server.js";

/** Short schedules so retries finish in milliseconds; polls often so redeliveries start at once. */
export const fastDelivery: Partial<Config> = { deliverySchedule: [50, 100], deliveryPollMs: 20 };

/**
 * Starts servers and sinks inside a test and closes them after it:
 * `const given = useDeliveryWorld(); const server = await given.server({...})`.
 */
export function useDeliveryWorld(): {
  server(config?: Partial<Config>): Promise<RunningServer>;
  sink(sink: Promise<Sink>): Promise<Sink>;
} {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return {
    async server(config = {}) {
      const running = await startServer({ config: { ...fastDelivery, ...config } });
      closers.push(() => running.close());
      return running;
    },
    async sink(starting) {
      const sink = await starting;
      closers.push(() => sink.close());
      return sink;
    },
  };
}

/** An async (rest_async) target pointing at `endpoint`. */
export function sinkTarget(baseUrl: string, endpoint: string, extra: Record<string, unknown> = {}): Promise<CreatedTarget> {
  return createTarget(baseUrl, uniqueName("sink"), { endpoint, restWebhook: undefined, restAsync: {}, ...extra });
}

/** Binds an event condition (`{event: "order.created"}`, `{group: "order"}`, `{all: true}`) to targets and includes. */
export function onEvent(
  baseUrl: string,
  event: Record<string, unknown>,
  elements: readonly ({ target: string } | { include: Record<string, unknown> })[],
): Promise<unknown> {
  return setExecution(baseUrl, { event }, elements);
}

export { include, target };

/** An include of another event condition. */
export const includeEvent = (event: Record<string, unknown>) => include({ event });

/** PushEvent over Connect JSON; answers the stored event as JSON. */
export async function pushEvent(baseUrl: string, type: string, aggregateId = "o-1", payload: object = {}): Promise<any> {
  const reply = await postJson(baseUrl, "EventService/PushEvent", { type, aggregateType: "order", aggregateId, payload });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.event;
}

/** ListDeliveries over Connect JSON (ascending, 1000 unless told otherwise). */
export async function listDeliveries(baseUrl: string, request: Record<string, unknown> = {}): Promise<{ deliveries: any[]; total: number }> {
  const reply = await postJson(baseUrl, "DeliveryService/ListDeliveries", { pagination: { asc: true, limit: 1000 }, ...request });
  expect(reply.status, reply.text).toBe(200);
  return { deliveries: reply.body.deliveries ?? [], total: Number(reply.body.pagination.totalResult ?? 0) };
}

/** GetDelivery over Connect JSON. */
export async function getDelivery(baseUrl: string, id: string): Promise<any> {
  const reply = await postJson(baseUrl, "DeliveryService/GetDelivery", { id });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.delivery;
}

/** Polls every 20 ms until `check` answers something truthy; fails after `timeoutMs` naming `what`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the delivery has `status` (`DELIVERY_STATUS_…` without the prefix); answers it with its attempts. */
export function deliveryIn(baseUrl: string, id: string, status: string, timeoutMs?: number): Promise<any> {
  return eventually(
    async () => {
      const delivery = await getDelivery(baseUrl, id);
      return delivery.status === `DELIVERY_STATUS_${status}` ? delivery : undefined;
    },
    `delivery ${id} to be ${status}`,
    timeoutMs,
  );
}

/** Waits until `count` deliveries match `request`; answers them. */
export function deliveriesListed(baseUrl: string, request: Record<string, unknown>, count: number): Promise<any[]> {
  return eventually(async () => {
    const { deliveries } = await listDeliveries(baseUrl, request);
    return deliveries.length === count ? deliveries : undefined;
  }, `${count} deliveries matching ${JSON.stringify(request)}`);
}

/** A protobuf JSON Duration ("0.012s") in milliseconds. */
export const durationMs = (duration: string): number => Number(duration.replace(/s$/, "")) * 1000;
