/**
 * Restart end to end: what one server wrote, a new server on the same SQLite
 * file serves unchanged, and event positions continue without a gap.
 */
import type { ClientReadableStream } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import {
  createTarget,
  expectJsonError,
  functionCondition,
  include,
  listEvents,
  setExecution,
  target,
  targetRequest,
} from "../support/api-fixtures.js";
import { createGrpcClients, getJson, grpcUnary, postJson } from "../support/clients.js";
import { type RunningServer, startServer } from "../support/start-server.js";

const servers: RunningServer[] = [];

afterEach(async () => {
  // Newest first: the first server owns the temp directory and deletes it.
  for (const server of servers.splice(0).reverse()) await server.close();
});

async function start(databasePath?: string): Promise<RunningServer> {
  const server = await startServer(databasePath ? { databasePath } : {});
  servers.push(server);
  return server;
}

describe("a restarted server", () => {
  it("serves the same targets, executions and events, and continues positions without a gap", async () => {
    // given: state written by the first server
    const first = await start();
    const audit = await createTarget(first.baseUrl, "audit");
    const enricher = await createTarget(first.baseUrl, "enricher", {
      restWebhook: undefined,
      restCall: { interruptOnError: true },
    });
    const removed = await createTarget(first.baseUrl, "removed");
    await postJson(first.baseUrl, "TargetService/UpdateTarget", { id: audit.id, timeout: "9s", rotateSigningKey: true });
    await postJson(first.baseUrl, "TargetService/DeleteTarget", { id: removed.id });
    await setExecution(first.baseUrl, functionCondition("enrich"), [target(enricher.id)]);
    await setExecution(first.baseUrl, { request: { method: "/switchyard.v1.JobService/ExecuteJob" } }, [
      target(audit.id),
      include(functionCondition("enrich")),
    ]);
    const before = {
      audit: (await getJson(first.baseUrl, "TargetService/GetTarget", { id: audit.id })).body,
      targets: (await postJson(first.baseUrl, "TargetService/ListTargets", { pagination: { asc: true } })).body,
      executions: (await postJson(first.baseUrl, "ExecutionService/ListExecutions", { pagination: { asc: true } })).body,
      events: await listEvents(first.baseUrl),
    };
    expect(before.events.totalResult).toBe("7");

    // when
    await first.stop();
    const second = await start(first.databasePath);

    // then: everything reads the same
    expect((await getJson(second.baseUrl, "TargetService/GetTarget", { id: audit.id })).body).toEqual(before.audit);
    expect((await postJson(second.baseUrl, "TargetService/ListTargets", { pagination: { asc: true } })).body).toEqual(
      before.targets,
    );
    expect(
      (await postJson(second.baseUrl, "ExecutionService/ListExecutions", { pagination: { asc: true } })).body,
    ).toEqual(before.executions);
    expect(before.executions.executions[1].resolvedTargetIds).toEqual([audit.id, enricher.id]);
    expect(await listEvents(second.baseUrl)).toEqual(before.events);
    expect(before.audit.target.previousSigningKeyExpiresAt).toBeDefined();

    // then: rules still hold against the old state
    expectJsonError(
      await postJson(second.baseUrl, "TargetService/CreateTarget", targetRequest("audit")),
      409,
      "already_exists",
      "target_name_taken",
    );
    expectJsonError(
      await postJson(second.baseUrl, "TargetService/GetTarget", { id: removed.id }),
      404,
      "not_found",
      "target_not_found",
    );
    const again = await postJson(second.baseUrl, "TargetService/DeleteTarget", { id: removed.id });
    expect(again.body.details.sequence).toBe("2");

    // when: new writes after the restart (over grpc-js)
    const grpc = createGrpcClients(second.port);
    try {
      const { response } = await grpcUnary<{ details: { sequence: string } }>(grpc.targets, "UpdateTarget", {
        id: audit.id,
        name: "audit-renamed",
      });
      expect(response.details.sequence).toBe("3");
    } finally {
      grpc.close();
    }
    const added = await createTarget(second.baseUrl, "after-restart");

    // then: positions continue where they stopped
    const { events } = await listEvents(second.baseUrl, { fromPosition: "7" });
    expect(events.map((event) => [event.position, event.type, event.aggregateId, event.sequence])).toEqual([
      ["7", "execution.set", "request:method:/switchyard.v1.JobService/ExecuteJob", "1"],
      ["8", "target.changed", audit.id, "3"],
      ["9", "target.added", added.id, "1"],
    ]);
  });

  it("replays the old events to a new watch and tails new ones right after them", async () => {
    // given
    const first = await start();
    for (const name of ["a", "b", "c"]) await createTarget(first.baseUrl, name);
    await first.stop();
    const second = await start(first.databasePath);
    const grpc = createGrpcClients(second.port);
    const positions: string[] = [];

    try {
      // when
      const call = (grpc.events.WatchEvents as Function).call(grpc.events, { from_position: "1" }) as ClientReadableStream<{
        event: { position: string };
      }>;
      const seenFour = new Promise<void>((resolve, reject) => {
        call.on("data", (message) => {
          positions.push(message.event.position);
          if (positions.length === 3) void createTarget(second.baseUrl, "d");
          if (message.event.position === "4") resolve();
        });
        call.on("error", reject);
      });
      await seenFour;
      call.cancel();
    } finally {
      grpc.close();
    }

    // then
    expect(positions).toEqual(["1", "2", "3", "4"]);
  });
});
