/**
 * ExecutionService end to end: SetExecution/GetExecution wire shapes for every
 * condition, no-op and removing sets, include resolution, cycles and depth,
 * references that must exist, and optimistic concurrency. A fresh server per
 * test, because conditions (the executions' keys) are few and shared.
 */
import { describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import {
  createTarget,
  expectJsonError,
  functionCondition,
  include,
  isoUtc,
  listEvents,
  setExecution,
  target,
  uniqueName,
} from "../support/api-fixtures.js";
import { connectErrorOf, createGrpcWebClients, getJson, postJson } from "../support/clients.js";
import { useServer } from "../support/use-server.js";

const server = useServer("each");

const executeJob = { request: { method: "/switchyard.v1.JobService/ExecuteJob" } };
const enrich = functionCondition("enrich");

describe("SetExecution and GetExecution", () => {
  it("bind a method to a target and an existing function include, answering the documented shapes", async () => {
    // given
    const audit = await createTarget(server.baseUrl, "audit");
    const enricher = await createTarget(server.baseUrl, "enricher");
    const request = { condition: executeJob, targets: [target(audit.id), include(enrich)] };

    // when: the included function has no execution yet
    const tooEarly = await postJson(server.baseUrl, "ExecutionService/SetExecution", request);

    // then
    const info = expectJsonError(tooEarly, 404, "not_found", "execution_not_found");
    expect(info.metadata).toEqual({ condition: "function:name:enrich" });

    // when
    await setExecution(server.baseUrl, enrich, [target(enricher.id)]);
    const set = await postJson(server.baseUrl, "ExecutionService/SetExecution", request);

    // then
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({
      details: { sequence: "1", changeDate: expect.stringMatching(isoUtc), resourceOwner: "default" },
    });
    const shown = await getJson(server.baseUrl, "ExecutionService/GetExecution", { condition: executeJob });
    expect(shown.status, shown.text).toBe(200);
    expect(shown.body).toEqual({
      execution: {
        condition: { request: { method: "/switchyard.v1.JobService/ExecuteJob" } },
        targets: [{ target: audit.id }, { include: { function: { name: "enrich" } } }],
        resolvedTargetIds: [audit.id, enricher.id],
        details: set.body.details,
      },
    });
  });

  it("accept every condition shape and give it back unchanged", async () => {
    // given
    const hook = await createTarget(server.baseUrl, "hook");
    const conditions = [
      { request: { method: "/switchyard.v1.EventService/ListEvents" } },
      { request: { service: "switchyard.v1.JobService" } },
      { request: { all: true } },
      { response: { method: "/switchyard.v1.JobService/ExecuteJob" } },
      { response: { service: "switchyard.v1.EventService" } },
      { response: { all: true } },
      { function: { name: "billing.v2/charge:card_now-1" } },
      { event: { event: "job.succeeded" } },
      { event: { group: "job" } },
      { event: { all: true } },
    ];

    for (const condition of conditions) {
      // when
      const set = await setExecution(server.baseUrl, condition, [target(hook.id)]);
      const shown = await postJson(server.baseUrl, "ExecutionService/GetExecution", { condition });

      // then
      expect(set.details.sequence, JSON.stringify(condition)).toBe("1");
      expect(shown.body.execution, JSON.stringify(condition)).toEqual({
        condition,
        targets: [{ target: hook.id }],
        resolvedTargetIds: [hook.id],
        details: set.details,
      });
    }
    const all = await postJson(server.baseUrl, "ExecutionService/ListExecutions", {});
    expect(all.body.pagination.totalResult).toBe(String(conditions.length));
  });

  it("write nothing for an identical list, and remove the execution for an empty one", async () => {
    // given
    const [a, b] = [await createTarget(server.baseUrl, "a"), await createTarget(server.baseUrl, "b")];
    const first = await setExecution(server.baseUrl, enrich, [target(a.id), target(b.id)]);

    // when
    const same = await setExecution(server.baseUrl, enrich, [target(a.id), target(b.id)]);
    const reordered = await setExecution(server.baseUrl, enrich, [target(b.id), target(a.id)]);
    const emptied = await setExecution(server.baseUrl, enrich, []);
    const emptiedAgain = await setExecution(server.baseUrl, enrich, []);

    // then
    expect(same).toEqual(first);
    expect(reordered.details.sequence).toBe("2");
    expect(emptied.details.sequence).toBe("3");
    expect(emptiedAgain).toEqual(emptied);
    const { events } = await listEvents(server.baseUrl, { filter: { aggregateType: "execution" } });
    expect(events.map((event) => [event.type, event.sequence])).toEqual([
      ["execution.set", "1"],
      ["execution.set", "2"],
      ["execution.removed", "3"],
    ]);
    const gone = await postJson(server.baseUrl, "ExecutionService/GetExecution", { condition: enrich });
    expectJsonError(gone, 404, "not_found", "execution_not_found");
  });
});

describe("includes", () => {
  it("are expanded in place, in order, recursively", async () => {
    // given
    const [t1, t2, t3, t4] = await Promise.all(["t1", "t2", "t3", "t4"].map((n) => createTarget(server.baseUrl, n)));
    const inner = functionCondition("inner");
    const middle = { event: { group: "job" } };
    await setExecution(server.baseUrl, inner, [target(t3!.id)]);
    await setExecution(server.baseUrl, middle, [target(t2!.id), include(inner), target(t2!.id)]);

    // when
    await setExecution(server.baseUrl, executeJob, [target(t1!.id), include(middle), target(t4!.id), include(inner)]);

    // then
    const shown = await postJson(server.baseUrl, "ExecutionService/GetExecution", { condition: executeJob });
    expect(shown.body.execution.resolvedTargetIds).toEqual([t1!.id, t2!.id, t3!.id, t2!.id, t4!.id, t3!.id]);
  });

  it("refuse a self-include and a cycle with FAILED_PRECONDITION naming the path", async () => {
    // given
    const hook = await createTarget(server.baseUrl, "hook");
    const a = functionCondition("a");
    const b = functionCondition("b");
    await setExecution(server.baseUrl, b, [target(hook.id)]);
    await setExecution(server.baseUrl, a, [target(hook.id), include(b)]);
    const grpcWeb = createGrpcWebClients(server.baseUrl);

    // when
    const self = await postJson(server.baseUrl, "ExecutionService/SetExecution", { condition: a, targets: [include(a)] });
    const cycle = await connectErrorOf(
      grpcWeb.executions.setExecution({
        condition: { conditionType: { case: "function", value: { name: "b" } } },
        targets: [{ type: { case: "include", value: { conditionType: { case: "function", value: { name: "a" } } } } }],
      }),
    );

    // then
    const selfInfo = expectJsonError(self, 400, "failed_precondition", "include_cycle");
    expect(selfInfo.metadata.path).toBe("function:name:a → function:name:a");
    expect(self.body.message).toContain("function:name:a → function:name:a");
    expect(cycle.code).toBe(9); // FAILED_PRECONDITION
    const [cycleInfo] = cycle.findDetails(ErrorInfoSchema);
    expect(cycleInfo?.reason).toBe("include_cycle");
    expect(cycleInfo?.metadata.path).toBe("function:name:b → function:name:a → function:name:b");
    expect(cycle.rawMessage).toContain("function:name:b → function:name:a → function:name:b");
  });

  it("refuse nesting deeper than 3 with FAILED_PRECONDITION include_depth_exceeded", async () => {
    // given: d1 → d2 → d3 → d4 is depth 3, allowed
    const hook = await createTarget(server.baseUrl, "hook");
    await setExecution(server.baseUrl, functionCondition("d4"), [target(hook.id)]);
    for (const [outer, inner] of [["d3", "d4"], ["d2", "d3"], ["d1", "d2"]] as const) {
      await setExecution(server.baseUrl, functionCondition(outer), [include(functionCondition(inner))]);
    }

    // when
    const tooDeep = await postJson(server.baseUrl, "ExecutionService/SetExecution", {
      condition: functionCondition("d0"),
      targets: [include(functionCondition("d1"))],
    });

    // then
    const info = expectJsonError(tooDeep, 400, "failed_precondition", "include_depth_exceeded");
    const path = ["d0", "d1", "d2", "d3", "d4"].map((name) => `function:name:${name}`).join(" → ");
    expect(info.metadata.path).toBe(path);
    const d1 = await postJson(server.baseUrl, "ExecutionService/GetExecution", { condition: functionCondition("d1") });
    expect(d1.body.execution.resolvedTargetIds).toEqual([hook.id]);
  });

  it("keep an included execution alive: deleting or emptying it is FAILED_PRECONDITION execution_included", async () => {
    // given
    const hook = await createTarget(server.baseUrl, "hook");
    await setExecution(server.baseUrl, enrich, [target(hook.id)]);
    await setExecution(server.baseUrl, executeJob, [include(enrich)]);

    // when
    const deleted = await postJson(server.baseUrl, "ExecutionService/DeleteExecution", { condition: enrich });
    const emptied = await postJson(server.baseUrl, "ExecutionService/SetExecution", { condition: enrich, targets: [] });

    // then
    const info = expectJsonError(deleted, 400, "failed_precondition", "execution_included");
    expect(info.metadata).toEqual({
      condition: "function:name:enrich",
      included_by: "request:method:/switchyard.v1.JobService/ExecuteJob",
    });
    expectJsonError(emptied, 400, "failed_precondition", "execution_included");
    const still = await postJson(server.baseUrl, "ExecutionService/GetExecution", { condition: enrich });
    expect(still.body.execution.details.sequence).toBe("1");
  });
});

describe("references", () => {
  it("must exist: NOT_FOUND with target_not_found, execution_not_found, method_not_found, service_not_found", async () => {
    // given
    const hook = await createTarget(server.baseUrl, "hook");
    const missingTarget = uniqueName("missing");
    const cases = [
      [
        { condition: enrich, targets: [target(hook.id), target(missingTarget)] },
        "target_not_found",
        { target_id: missingTarget },
      ],
      [
        { condition: enrich, targets: [include(functionCondition("nope"))] },
        "execution_not_found",
        { condition: "function:name:nope" },
      ],
      [
        { condition: { request: { method: "/switchyard.v1.JobService/Nope" } }, targets: [target(hook.id)] },
        "method_not_found",
        { method: "/switchyard.v1.JobService/Nope" },
      ],
      [
        { condition: { response: { service: "switchyard.v1.JobServiceX" } }, targets: [target(hook.id)] },
        "service_not_found",
        { service: "switchyard.v1.JobServiceX" },
      ],
      [
        { condition: { request: { method: "/grpc.health.v1.Health/Check" } }, targets: [target(hook.id)] },
        "method_not_found",
        { method: "/grpc.health.v1.Health/Check" },
      ],
    ] as const;

    for (const [request, reason, metadata] of cases) {
      // when
      const reply = await postJson(server.baseUrl, "ExecutionService/SetExecution", request);

      // then
      expect(expectJsonError(reply, 404, "not_found", reason).metadata).toEqual(metadata);
    }
    const { events } = await listEvents(server.baseUrl, { filter: { aggregateType: "execution" } });
    expect(events).toEqual([]);
  });
});
