/**
 * ExecutionService lists end to end: ListExecutions filters and pagination,
 * ListExecutionFunctions, ListExecutionMethods and ListExecutionServices, over
 * Connect JSON, grpc-js and gRPC-web. A fresh server per test.
 */
import { describe, expect, it } from "vitest";
import { ExecutionType } from "../../gen/switchyard/v1/execution_pb.js";
import {
  createTarget,
  functionCondition,
  include,
  nextMillisecond,
  setExecution,
  target,
} from "../support/api-fixtures.js";
import { createGrpcClients, createGrpcWebClients, getJson, grpcUnary, postJson } from "../support/clients.js";
import { useServer } from "../support/use-server.js";

const server = useServer("each");

const executeJob = { request: { method: "/switchyard.v1.JobService/ExecuteJob" } };
const jobResponses = { response: { service: "switchyard.v1.JobService" } };
const succeeded = { event: { event: "job.succeeded" } };
const enrich = functionCondition("enrich");
const score = functionCondition("score");

/** Five executions in this creation order: enrich, score, executeJob, jobResponses, succeeded. */
async function givenExecutions() {
  const [a, b] = [await createTarget(server.baseUrl, "a"), await createTarget(server.baseUrl, "b")];
  const lists: [Record<string, unknown>, Record<string, unknown>[]][] = [
    [enrich, [target(a.id)]],
    [score, [target(b.id)]],
    [executeJob, [target(b.id), include(enrich)]],
    [jobResponses, [include(enrich), include(score)]],
    [succeeded, [target(a.id), target(b.id)]],
  ];
  for (const [condition, targets] of lists) {
    await setExecution(server.baseUrl, condition, targets);
    await nextMillisecond();
  }
  return { a, b };
}

async function listConditions(request: Record<string, unknown>): Promise<unknown[]> {
  const reply = await postJson(server.baseUrl, "ExecutionService/ListExecutions", {
    pagination: { asc: true },
    ...request,
  });
  expect(reply.status, reply.text).toBe(200);
  return (reply.body.executions ?? []).map((execution: { condition: unknown }) => execution.condition);
}

describe("ListExecutions", () => {
  it("answers the documented shape with resolved targets and totals", async () => {
    // given
    const { a, b } = await givenExecutions();

    // when
    const reply = await postJson(server.baseUrl, "ExecutionService/ListExecutions", {
      pagination: { offset: "0", limit: 100, asc: true },
      filters: [],
    });

    // then
    expect(reply.status, reply.text).toBe(200);
    expect(Object.keys(reply.body)).toEqual(["pagination", "executions"]);
    expect(reply.body.pagination).toEqual({ totalResult: "5", appliedLimit: 100 });
    expect(reply.body.executions.map((e: { condition: unknown }) => e.condition)).toEqual([
      enrich,
      score,
      executeJob,
      jobResponses,
      succeeded,
    ]);
    expect(reply.body.executions[3]).toEqual({
      condition: jobResponses,
      targets: [{ include: enrich }, { include: score }],
      resolvedTargetIds: [a.id, b.id],
      details: { sequence: "1", changeDate: expect.any(String), resourceOwner: "default" },
    });
  });

  it("filters by conditions, type, target and include, combined with AND", async () => {
    // given
    const { a, b } = await givenExecutions();

    // then
    expect(await listConditions({ filters: [{ inConditionsFilter: { conditions: [succeeded, executeJob] } }] })).toEqual([
      executeJob,
      succeeded,
    ]);
    expect(
      await listConditions({ filters: [{ executionTypeFilter: { executionType: "EXECUTION_TYPE_FUNCTION" } }] }),
    ).toEqual([enrich, score]);
    expect(
      await listConditions({ filters: [{ executionTypeFilter: { executionType: "EXECUTION_TYPE_RESPONSE" } }] }),
    ).toEqual([jobResponses]);
    expect(await listConditions({ filters: [{ executionTypeFilter: { executionType: "EXECUTION_TYPE_EVENT" } }] })).toEqual([
      succeeded,
    ]);
    expect(await listConditions({ filters: [{ targetFilter: { targetId: a.id } }] })).toEqual([enrich, succeeded]);
    expect(await listConditions({ filters: [{ targetFilter: { targetId: b.id } }] })).toEqual([
      score,
      executeJob,
      succeeded,
    ]);
    expect(await listConditions({ filters: [{ includeFilter: { include: enrich } }] })).toEqual([
      executeJob,
      jobResponses,
    ]);
    expect(
      await listConditions({
        filters: [
          { includeFilter: { include: enrich } },
          { executionTypeFilter: { executionType: "EXECUTION_TYPE_REQUEST" } },
        ],
      }),
    ).toEqual([executeJob]);
    expect(await listConditions({ filters: [{ targetFilter: { targetId: "unknown" } }] })).toEqual([]);
  });

  it("pages newest first by default, over gRPC-web", async () => {
    // given
    await givenExecutions();
    const client = createGrpcWebClients(server.baseUrl).executions;

    // when
    const newest = await client.listExecutions({ pagination: { limit: 2 } });
    const middle = await client.listExecutions({ pagination: { offset: 2n, limit: 2 } });
    const requests = await client.listExecutions({
      filters: [{ filter: { case: "executionTypeFilter", value: { executionType: ExecutionType.REQUEST } } }],
    });

    // then
    expect(newest.pagination).toMatchObject({ totalResult: 5n, appliedLimit: 2 });
    expect(newest.executions.map((e) => e.condition?.conditionType.case)).toEqual(["event", "response"]);
    expect(middle.executions.map((e) => e.condition?.conditionType.case)).toEqual(["request", "function"]);
    expect(middle.executions[1]?.condition?.conditionType.value).toMatchObject({ name: "score" });
    expect(requests.executions).toHaveLength(1);
    expect(requests.pagination?.totalResult).toBe(1n);
  });
});

describe("ListExecutionFunctions, ListExecutionMethods, ListExecutionServices", () => {
  it("lists the function names that have an execution, sorted", async () => {
    // given
    const hook = await createTarget(server.baseUrl, "hook");
    for (const name of ["zeta", "alpha.v2", "mid/path"]) {
      await setExecution(server.baseUrl, functionCondition(name), [target(hook.id)]);
    }
    await setExecution(server.baseUrl, functionCondition("removed"), [target(hook.id)]);
    await setExecution(server.baseUrl, functionCondition("removed"), []);

    // when
    const reply = await getJson(server.baseUrl, "ExecutionService/ListExecutionFunctions", {});

    // then
    expect(reply.body).toEqual({ functions: ["alpha.v2", "mid/path", "zeta"] });
  });

  it("lists the served methods and services (grpc-js), without health or reflection", async () => {
    // given
    const grpc = createGrpcClients(server.port);

    try {
      // when
      const { response: methods } = await grpcUnary<{ methods: string[] }>(grpc.executions, "ListExecutionMethods", {});
      const { response: services } = await grpcUnary<{ services: string[] }>(grpc.executions, "ListExecutionServices", {});

      // then
      expect(methods.methods).toContain("/switchyard.v1.JobService/ExecuteJob");
      expect(methods.methods).toContain("/switchyard.v1.TargetService/CreateTarget");
      expect(methods.methods).toContain("/switchyard.v1.EventService/WatchEvents");
      expect(methods.methods).toContain("/switchyard.v1.DeliveryService/Redeliver");
      expect(methods.methods).toEqual([...methods.methods].sort());
      expect(methods.methods).toHaveLength(5 + 7 + 11 + 3 + 3);
      expect(methods.methods.filter((method) => !method.startsWith("/switchyard.v1."))).toEqual([]);
      expect(services.services).toEqual([
        "switchyard.v1.DeliveryService",
        "switchyard.v1.EventService",
        "switchyard.v1.ExecutionService",
        "switchyard.v1.JobService",
        "switchyard.v1.TargetService",
      ]);
    } finally {
      grpc.close();
    }
  });
});
