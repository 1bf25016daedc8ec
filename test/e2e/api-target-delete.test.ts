/**
 * DeleteTarget end to end: idempotent deletes, and the cascade out of every
 * execution that lists the target, with one event per execution.
 */
import { describe, expect, it } from "vitest";
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
import { postJson } from "../support/clients.js";
import { useServer } from "../support/use-server.js";

const server = useServer("all");

describe("DeleteTarget", () => {
  it("is idempotent: a second delete answers the same details, an unknown id answers none", async () => {
    // given
    const created = await createTarget(server.baseUrl, uniqueName("gone"));

    // when
    const first = await postJson(server.baseUrl, "TargetService/DeleteTarget", { id: created.id });
    const second = await postJson(server.baseUrl, "TargetService/DeleteTarget", { id: created.id });
    const unknown = await postJson(server.baseUrl, "TargetService/DeleteTarget", { id: uniqueName("never") });

    // then
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({
      details: { sequence: "2", changeDate: expect.stringMatching(isoUtc), resourceOwner: "default" },
    });
    expect(second.body).toEqual(first.body);
    expect(unknown.status, unknown.text).toBe(200);
    expect(unknown.body).toEqual({});
    const get = await postJson(server.baseUrl, "TargetService/GetTarget", { id: created.id });
    expectJsonError(get, 404, "not_found", "target_not_found");
  });

  it("takes the target out of every execution, with one event per execution", async () => {
    // given
    const doomed = await createTarget(server.baseUrl, uniqueName("doomed"));
    const kept = await createTarget(server.baseUrl, uniqueName("kept"));
    const sharedName = uniqueName("shared");
    const onlyName = uniqueName("only");
    const shared = functionCondition(sharedName);
    const only = functionCondition(onlyName);
    const outer = functionCondition(uniqueName("outer"));
    await setExecution(server.baseUrl, shared, [target(doomed.id), target(kept.id), target(doomed.id)]);
    await setExecution(server.baseUrl, only, [target(doomed.id)]);
    await setExecution(server.baseUrl, outer, [target(kept.id), include(shared)]);
    const { events: before } = await listEvents(server.baseUrl);
    const nextPosition = BigInt(before.at(-1)!.position) + 1n;

    // when
    const deleted = await postJson(server.baseUrl, "TargetService/DeleteTarget", { id: doomed.id });

    // then
    expect(deleted.status, deleted.text).toBe(200);
    const { events } = await listEvents(server.baseUrl, { fromPosition: String(nextPosition) });
    expect(events.map((event) => `${event.type} ${event.aggregateId}`).sort()).toEqual([
      `execution.removed function:name:${onlyName}`,
      `execution.set function:name:${sharedName}`,
      `target.removed ${doomed.id}`,
    ]);
    expect(events[0]).toMatchObject({ type: "target.removed", position: String(nextPosition) });
    const sharedNow = await postJson(server.baseUrl, "ExecutionService/GetExecution", { condition: shared });
    expect(sharedNow.body.execution.targets).toEqual([target(kept.id)]);
    const outerNow = await postJson(server.baseUrl, "ExecutionService/GetExecution", { condition: outer });
    expect(outerNow.body.execution.resolvedTargetIds).toEqual([kept.id, kept.id]);
    const onlyNow = await postJson(server.baseUrl, "ExecutionService/GetExecution", { condition: only });
    expectJsonError(onlyNow, 404, "not_found", "execution_not_found");
  });
});

describe("DeleteTarget through includes", () => {
  // When the cascade empties an execution that another one includes, the
  // emptied execution also leaves the lists that include it, with one event
  // each, so no include ever points at a removed execution.
  it("leaves no include pointing at an execution the cascade removed", async () => {
    // given
    const doomed = await createTarget(server.baseUrl, uniqueName("doomed"));
    const kept = await createTarget(server.baseUrl, uniqueName("kept"));
    const inner = functionCondition(uniqueName("inner"));
    const outer = functionCondition(uniqueName("outer"));
    await setExecution(server.baseUrl, inner, [target(doomed.id)]);
    await setExecution(server.baseUrl, outer, [include(inner), target(kept.id)]);

    // when
    const deleted = await postJson(server.baseUrl, "TargetService/DeleteTarget", { id: doomed.id });

    // then
    expect(deleted.status, deleted.text).toBe(200);
    const outerNow = await postJson(server.baseUrl, "ExecutionService/GetExecution", { condition: outer });
    expect(outerNow.body.execution.targets).toEqual([target(kept.id)]);
    const resetOuter = await postJson(server.baseUrl, "ExecutionService/SetExecution", {
      condition: outer,
      targets: outerNow.body.execution.targets,
    });
    expect(resetOuter.status, resetOuter.text).toBe(200);
  });
});
