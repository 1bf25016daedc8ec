/**
 * EventService end to end: ListEvents filters and pagination, redaction of
 * signing keys, and WatchEvents (replay then live tail without gaps or
 * duplicates) over grpc-js and gRPC-web. A fresh server per test, so event
 * positions are the test's own.
 */
import type * as grpcJs from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { devApiKeyId } from "../../server/auth/api-key-tokens.js";
import {
  type JsonEvent,
  createTarget,
  functionCondition,
  isoUtc,
  listEvents,
  nextMillisecond,
  setExecution,
  target,
} from "../support/api-fixtures.js";
import { type GrpcClients, createGrpcClients, createGrpcWebClients, postJson } from "../support/clients.js";
import { type RunningServer, startServer } from "../support/start-server.js";

let server: RunningServer;
let grpc: GrpcClients;

beforeEach(async () => {
  server = await startServer();
  grpc = createGrpcClients(server.port);
});

afterEach(async () => {
  grpc?.close();
  await server?.close();
});

const positionsOf = (events: readonly { position: string | bigint }[]) => events.map((event) => Number(event.position));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** Writes `count` targets (one event each), several at a time. */
async function writeTargets(prefix: string, count: number, parallel = 4): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await createTarget(server.baseUrl, `${prefix}-${next++}`);
    }),
  );
}

interface GrpcWatch {
  readonly events: { position: string; type: string; payload?: unknown; aggregate_type: string }[];
  /** Resolves once an event at `position` or later arrived. */
  reached(position: number): Promise<void>;
  cancel(): void;
}

function watchOverGrpc(request: Record<string, unknown>): GrpcWatch {
  const call = (grpc.events.WatchEvents as Function).call(grpc.events, request) as grpcJs.ClientReadableStream<{
    event: GrpcWatch["events"][number];
  }>;
  const events: GrpcWatch["events"] = [];
  const waiters: { position: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  call.on("data", (message) => {
    events.push(message.event);
    for (const waiter of waiters) if (Number(message.event.position) >= waiter.position) waiter.resolve();
  });
  call.on("error", (error: grpcJs.ServiceError) => {
    const cancelled = 1;
    if (error.code !== cancelled) for (const waiter of waiters) waiter.reject(error);
  });
  return {
    events,
    reached: (position) =>
      new Promise((resolve, reject) => {
        if (events.some((event) => Number(event.position) >= position)) resolve();
        else waiters.push({ position, resolve, reject });
      }),
    cancel: () => call.cancel(),
  };
}

describe("ListEvents", () => {
  it("filters by aggregate, types, position and time range, and pages", async () => {
    // given: six events, each in its own millisecond
    const t1 = await createTarget(server.baseUrl, "first");
    await nextMillisecond();
    await postJson(server.baseUrl, "TargetService/UpdateTarget", { id: t1.id, endpoint: "https://new.example.com/" });
    await nextMillisecond();
    const t2 = await createTarget(server.baseUrl, "second");
    await nextMillisecond();
    await setExecution(server.baseUrl, functionCondition("f"), [target(t1.id)]);
    await nextMillisecond();
    await postJson(server.baseUrl, "TargetService/DeleteTarget", { id: t1.id });
    const { events: all, totalResult } = await listEvents(server.baseUrl);

    // then: every event
    expect(totalResult).toBe("6");
    expect(all.map((event) => [event.position, event.type, event.aggregateId, event.sequence])).toEqual([
      ["1", "target.added", t1.id, "1"],
      ["2", "target.changed", t1.id, "2"],
      ["3", "target.added", t2.id, "1"],
      ["4", "execution.set", "function:name:f", "1"],
      ["5", "target.removed", t1.id, "3"],
      ["6", "execution.removed", "function:name:f", "2"],
    ]);
    expect(all[3]).toEqual({
      position: "4",
      aggregateType: "execution",
      aggregateId: "function:name:f",
      sequence: "1",
      type: "execution.set",
      payload: expect.any(Object),
      resourceOwner: "default",
      creator: devApiKeyId,
      createdAt: expect.stringMatching(isoUtc),
    });

    // then: filters
    const positions = async (request: Record<string, unknown>) =>
      positionsOf((await listEvents(server.baseUrl, request)).events);
    expect(await positions({ filter: { aggregateType: "target", aggregateId: t1.id } })).toEqual([1, 2, 5]);
    expect(await positions({ filter: { aggregateType: "execution" } })).toEqual([4, 6]);
    expect(await positions({ filter: { types: ["target.added", "execution.removed"] } })).toEqual([1, 3, 6]);
    expect(await positions({ filter: { aggregateId: t2.id, types: ["target.changed"] } })).toEqual([]);
    expect(await positions({ fromPosition: "4" })).toEqual([4, 5, 6]);
    expect(await positions({ created: { from: all[2]!.createdAt, to: all[4]!.createdAt } })).toEqual([3, 4]);
    expect(await positions({ created: { from: all[4]!.createdAt } })).toEqual([5, 6]);
    expect(await positions({ created: { to: all[1]!.createdAt } })).toEqual([1]);

    // then: pages, descending by default
    const page = await postJson(server.baseUrl, "EventService/ListEvents", { pagination: { offset: "1", limit: 2 } });
    expect(page.body.pagination).toEqual({ totalResult: "6", appliedLimit: 2 });
    expect(positionsOf(page.body.events)).toEqual([5, 4]);
    const filteredPage = await listEvents(server.baseUrl, {
      pagination: { offset: "1", limit: 1, asc: true },
      filter: { aggregateType: "target" },
    });
    expect(filteredPage.totalResult).toBe("4");
    expect(positionsOf(filteredPage.events)).toEqual([2]);
  });

  it("never shows signing keys: secret payload fields read [redacted]", async () => {
    // given
    const created = await createTarget(server.baseUrl, "secret");
    const rotated = await postJson(server.baseUrl, "TargetService/UpdateTarget", { id: created.id, rotateSigningKey: true });

    // when
    const listed = await postJson(server.baseUrl, "EventService/ListEvents", { pagination: { asc: true } });
    const watch = watchOverGrpc({ from_position: "1" });
    await watch.reached(2);
    watch.cancel();

    // then
    expect(listed.status, listed.text).toBe(200);
    const [added, changed] = listed.body.events as JsonEvent[];
    expect(added!.payload).toEqual({
      name: "secret",
      endpoint: "http://127.0.0.1:9000/hook",
      timeoutMs: 5000,
      targetType: { kind: "webhook", interruptOnError: true },
      payloadType: "json",
      signingKey: "[redacted]",
    });
    expect(changed!.payload).toEqual({
      signingKey: "[redacted]",
      previousSigningKey: "[redacted]",
      previousSigningKeyExpiresAt: expect.stringMatching(isoUtc),
    });
    const watched = JSON.stringify(watch.events);
    for (const text of [listed.text, watched]) {
      expect(text).not.toContain("whsec_");
      expect(text).not.toContain(created.signingKey.slice(6, 30));
      expect(text).not.toContain(rotated.body.signingKey.slice(6, 30));
    }
    expect(watched).toContain("[redacted]");
  });
});

describe("WatchEvents", () => {
  it("replays from a position, then tails live events, without gaps or duplicates (grpc-js)", async () => {
    // given: more events than one replay page (500), so writes land between replay pages
    await writeTargets("before", 620, 8);

    // when: the watch starts while other clients write
    const writing = writeTargets("during", 100);
    const watch = watchOverGrpc({ from_position: "3" });
    await writing;
    await writeTargets("after", 5);
    await watch.reached(725);
    watch.cancel();

    // then
    expect(positionsOf(watch.events)).toEqual(range(3, 725));
    expect(new Set(watch.events.map((event) => event.type))).toEqual(new Set(["target.added"]));
  });

  it("replays from a position, then tails live events, without gaps or duplicates (gRPC-web)", async () => {
    // given: more events than one replay page
    await writeTargets("before", 520, 8);
    const client = createGrpcWebClients(server.baseUrl).events;
    let writing = true;
    let lastWritten = Number.POSITIVE_INFINITY;
    const positions: number[] = [];

    // when: other clients keep writing until the watch is well past its replay
    const writers = Array.from({ length: 4 }, async (_, writer) => {
      for (let index = 0; writing; index++) await createTarget(server.baseUrl, `during-${writer}-${index}`);
    });
    for await (const message of client.watchEvents({ fromPosition: 1n })) {
      positions.push(Number(message.event?.position));
      expect(message.event?.payload?.signingKey).toBe("[redacted]");
      if (positions.length === 560) {
        writing = false;
        await Promise.all(writers);
        await writeTargets("after", 5, 1);
        const newest = await listEvents(server.baseUrl, { pagination: { limit: 1, asc: false } });
        lastWritten = Number(newest.events[0]!.position);
      }
      if (positions.at(-1)! >= lastWritten) break;
    }

    // then
    expect(lastWritten).toBeGreaterThan(565);
    expect(positions).toEqual(range(1, lastWritten));
  });

  it("without from_position sends only events written after the watch started", async () => {
    // given
    await writeTargets("old", 3);
    const watch = watchOverGrpc({});

    // when: keep writing until the watch sees something, then write three more
    let written = 3;
    while (watch.events.length === 0) {
      await createTarget(server.baseUrl, `probe-${written++}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await writeTargets("new", 3, 1);
    await watch.reached(written + 3);
    watch.cancel();

    // then
    const positions = positionsOf(watch.events);
    expect(positions[0]).toBeGreaterThan(3);
    expect(positions).toEqual(range(positions[0]!, written + 3));
  });

  it("applies its filter to replay and tail alike", async () => {
    // given
    const hook = await createTarget(server.baseUrl, "hook");
    await setExecution(server.baseUrl, functionCondition("one"), [target(hook.id)]);
    const watch = watchOverGrpc({ from_position: "1", filter: { aggregate_type: "execution" } });

    // when
    await writeTargets("noise", 3);
    await setExecution(server.baseUrl, functionCondition("two"), [target(hook.id)]);
    await watch.reached(6);
    watch.cancel();

    // then
    expect(watch.events.map((event) => [event.position, event.type, event.aggregate_type])).toEqual([
      ["2", "execution.set", "execution"],
      ["6", "execution.set", "execution"],
    ]);
  });
});
