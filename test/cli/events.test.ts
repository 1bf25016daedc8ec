/**
 * `switchyard events …` and `switchyard deliveries …`: the real binary
 * against a real server, with a real sink receiving event deliveries.
 */
import { describe, expect, it } from "vitest";
import { createTarget, setExecution, target } from "../support/api-fixtures.js";
import { ok, useCliServer } from "../support/run-cli.js";
import type { Sink } from "../support/sink.js";

const { server, cli, startSink } = useCliServer();
let sink: Sink | undefined;

describe("switchyard events", () => {
  it("pushes an event, lists it by aggregate, and replays the store as JSON lines", async () => {
    const pushed = ok(await cli("events", "push", "order.placed", "--aggregate-type", "order", "--aggregate-id", "42", "--input", '{"total":12.5}')).json();
    ok(await cli("events", "push", "order.shipped", "--aggregate-type", "order", "--aggregate-id", "42"));

    const listed = ok(await cli("events", "list", "--aggregate-type", "order", "--type", "order.placed")).json();
    const watched = ok(await cli("events", "watch", "--from-position", "1", "--count", "2"));

    expect(pushed.event).toMatchObject({ type: "order.placed", aggregateId: "42", sequence: "1", payload: { total: 12.5 } });
    expect(listed.events.map((event: { type: string }) => event.type)).toEqual(["order.placed"]);
    const lines = watched.stdout.trim().split("\n").map((line) => JSON.parse(line).event.type);
    expect(lines).toEqual(["order.placed", "order.shipped"]);
  });
});

describe("switchyard deliveries", () => {
  it("lists an event's delivery, shows its attempts and redelivers it", async () => {
    sink = await startSink(() => ({ status: 503, json: { error: "down" } }));
    const hook = await createTarget(server.baseUrl, "orders", { endpoint: sink.url });
    await setExecution(server.baseUrl, { event: { group: "order" } }, [target(hook.id)]);
    ok(await cli("events", "push", "order.placed", "--aggregate-type", "order", "--aggregate-id", "7"));
    await sink.waitFor(1);

    const listed = ok(await cli("deliveries", "list", "--target", hook.id, "--status", "failed")).json();
    const [delivery] = listed.deliveries;
    const shown = ok(await cli("deliveries", "get", delivery.id, "-o", "table"));
    const redelivered = ok(await cli("deliveries", "redeliver", delivery.id)).json();

    expect(delivery).toMatchObject({ kind: "DELIVERY_KIND_EVENT", status: "DELIVERY_STATUS_FAILED", attemptCount: 1 });
    expect(shown.stdout).toMatch(/^status: +failed$/m);
    expect(shown.stdout).toMatch(/^# +AT +HTTP +LATENCY +ERROR\n1 +\S+Z +503 +\S+ +answered 503$/m);
    expect(redelivered).toEqual({ count: 1 });
    await sink.waitFor(2);
  });
});
