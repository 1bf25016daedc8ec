/**
 * Deliveries survive a crash: the real entry point in its own process, 2,000
 * pushed events bound to a slow sink, SIGKILL mid-way, restart on the same
 * file. Every event reaches the sink at least once, each always under the
 * same `webhook-id`, and the outbox ends with every delivery SUCCEEDED.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { callOk, until, useCrashFixture } from "../support/spawned-server.js";

const eventCount = 2000;

const crash = useCrashFixture("switchyard-crash-", {
  // Few attempts in flight against a slow sink, so the kill lands mid-way;
  // short leases and polls, so the restart picks up at once.
  SWITCHYARD_DELIVERY_CONCURRENCY: "8",
  SWITCHYARD_DELIVERY_LEASE_MS: "300",
  SWITCHYARD_DELIVERY_POLL_MS: "50",
  SWITCHYARD_DELIVERY_SCHEDULE: "100ms,200ms,400ms",
});

describe("durable delivery across a crash", () => {
  it("delivers every acknowledged event at least once, under one webhook-id each, after SIGKILL and restart", async () => {
    // given: a slow sink bound to order.created
    const sinkAt = await crash.slowSink({}, 40);
    const first = await crash.start();
    const target = await callOk(first.url, "TargetService/CreateTarget", {
      name: "orders",
      endpoint: sinkAt.url,
      timeout: "5s",
      restWebhook: {},
    });
    await callOk(first.url, "ExecutionService/SetExecution", {
      condition: { event: { event: "order.created" } },
      targets: [{ target: target.id }],
    });

    // when: 2,000 events are acknowledged, and the server is killed while delivering them
    for (let start = 0; start < eventCount; start += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, offset) =>
          callOk(first.url, "EventService/PushEvent", {
            aggregateType: "order",
            aggregateId: `o-${start + offset}`,
            type: "order.created",
            payload: { n: start + offset },
          }),
        ),
      );
    }
    const deliveredBeforeKill = sinkAt.requests.length;
    first.child.kill("SIGKILL");
    await first.exited;
    const second = await crash.start();

    // then: every event arrives, each under a single webhook-id, and the outbox agrees
    const idsByEvent = new Map<number, Set<string>>();
    const record = () => {
      for (const request of sinkAt.requests.slice(recorded)) {
        const body = sinkAt.verified(request, target.signingKey) as { payload: { n: number } };
        const ids = idsByEvent.get(body.payload.n) ?? new Set<string>();
        ids.add(request.headers["webhook-id"]!);
        idsByEvent.set(body.payload.n, ids);
      }
      recorded = sinkAt.requests.length;
      return idsByEvent.size === eventCount;
    };
    let recorded = 0;
    await until(record, 60_000, "every event to reach the sink");
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    expect(deliveredBeforeKill).toBeGreaterThan(0);
    expect(deliveredBeforeKill).toBeLessThan(eventCount);
    expect([...idsByEvent.values()].filter((ids) => ids.size !== 1)).toEqual([]);
    const db = new Database(join(crash.directory(), "switchyard.db"), { readonly: true });
    try {
      const statuses = db.prepare("SELECT status, count(*) AS n FROM deliveries GROUP BY status").all();
      expect(statuses).toEqual([{ status: "succeeded", n: eventCount }]);
    } finally {
      db.close();
    }
  }, 120_000);
});
