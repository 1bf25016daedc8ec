import { describe, expect, it } from "vitest";
import { type Condition, conditionKey } from "../../server/domain/condition.js";
import {
  type Execution,
  type ExecutionElement,
  decideRemoveExecution,
  decideRemoveTargetFromExecutions,
  decideSetExecution,
  directIncludes,
  directTargetIds,
} from "../../server/domain/execution.js";

const target = (targetId: string): ExecutionElement => ({ kind: "target", targetId });
const include = (key: string): ExecutionElement => ({ kind: "include", include: key });

const enrich: Condition = { type: "function", scope: "name", name: "enrich" };
const jobGroup: Condition = { type: "event", scope: "group", name: "job" };

function existingExecution(condition: Condition, elements: readonly ExecutionElement[]): Execution {
  return {
    key: conditionKey(condition),
    condition,
    elements,
    createdAt: new Date("2026-01-01T00:00:00Z"),
    details: { sequence: 2n, changeDate: new Date("2026-01-02T00:00:00Z"), resourceOwner: "default" },
  };
}

describe("decideSetExecution", () => {
  it("emits execution.set for a new execution", () => {
    // when
    const events = decideSetExecution(enrich, undefined, [target("t1"), include("event:all")]);

    // then
    expect(events).toEqual([
      {
        aggregateType: "execution",
        aggregateId: "function:name:enrich",
        type: "execution.set",
        payload: { condition: enrich, elements: [target("t1"), include("event:all")] },
      },
    ]);
  });

  it("emits nothing for an identical list", () => {
    // given
    const current = existingExecution(enrich, [target("t1"), include("event:all"), target("t2")]);

    // when
    const events = decideSetExecution(enrich, current, [target("t1"), include("event:all"), target("t2")]);

    // then
    expect(events).toEqual([]);
  });

  it("emits nothing for an identical list whose elements were built with another property order", () => {
    // given: the stored list as decoded from JSON, the new one as a mapper might build it
    const current = existingExecution(enrich, [{ kind: "target", targetId: "t1" }, { kind: "include", include: "event:all" }]);
    const sameList: ExecutionElement[] = [{ targetId: "t1", kind: "target" }, { include: "event:all", kind: "include" }];

    // then
    expect(decideSetExecution(enrich, current, sameList)).toEqual([]);
  });

  it("emits execution.set when only the order changes", () => {
    const current = existingExecution(enrich, [target("t1"), target("t2")]);
    const events = decideSetExecution(enrich, current, [target("t2"), target("t1")]);
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe("execution.set");
    expect(events[0]?.payload.elements).toEqual([target("t2"), target("t1")]);
  });

  it("emits execution.set when an element is added", () => {
    const current = existingExecution(enrich, [target("t1")]);
    const events = decideSetExecution(enrich, current, [target("t1"), target("t1")]);
    expect(events.map((event) => event.type)).toEqual(["execution.set"]);
  });

  it("tells a target id from an include with the same text", () => {
    const current = existingExecution(enrich, [target("event:all")]);
    expect(decideSetExecution(enrich, current, [include("event:all")])).toHaveLength(1);
  });

  it("removes the execution when the list is empty", () => {
    // given
    const current = existingExecution(jobGroup, [target("t1")]);

    // when
    const events = decideSetExecution(jobGroup, current, []);

    // then
    expect(events).toEqual([
      {
        aggregateType: "execution",
        aggregateId: "event:group:job",
        type: "execution.removed",
        payload: { condition: jobGroup },
      },
    ]);
  });

  it("emits nothing for an empty list when there is no execution", () => {
    expect(decideSetExecution(jobGroup, undefined, [])).toEqual([]);
  });
});

describe("decideRemoveExecution", () => {
  it("emits execution.removed for an existing execution and nothing otherwise", () => {
    const current = existingExecution(enrich, [target("t1")]);
    expect(decideRemoveExecution("function:name:enrich", current)).toEqual([
      { aggregateType: "execution", aggregateId: "function:name:enrich", type: "execution.removed", payload: { condition: enrich } },
    ]);
    expect(decideRemoveExecution("function:name:enrich", undefined)).toEqual([]);
  });
});

const byKey = (...executions: Execution[]) => new Map(executions.map((execution) => [execution.key, execution]));
const noIncluders = () => [];

describe("decideRemoveTargetFromExecutions", () => {
  it("sets the remaining list, in order, on every execution that lists the target", () => {
    // given
    const first = existingExecution(enrich, [target("t1"), target("gone"), include("event:all"), target("gone"), target("t2")]);
    const second = existingExecution(jobGroup, [target("gone"), target("t3")]);

    // when
    const events = decideRemoveTargetFromExecutions("gone", byKey(first, second), noIncluders);

    // then
    expect(events).toEqual([
      {
        aggregateType: "execution",
        aggregateId: "function:name:enrich",
        type: "execution.set",
        payload: { condition: enrich, elements: [target("t1"), include("event:all"), target("t2")] },
      },
      {
        aggregateType: "execution",
        aggregateId: "event:group:job",
        type: "execution.set",
        payload: { condition: jobGroup, elements: [target("t3")] },
      },
    ]);
  });

  it("removes an execution whose only elements were the target", () => {
    const only = existingExecution(jobGroup, [target("gone"), target("gone")]);
    expect(decideRemoveTargetFromExecutions("gone", byKey(only), noIncluders)).toEqual([
      { aggregateType: "execution", aggregateId: "event:group:job", type: "execution.removed", payload: { condition: jobGroup } },
    ]);
  });

  it("leaves executions that do not list the target alone", () => {
    const other = existingExecution(enrich, [target("t1"), include("function:name:gone")]);
    expect(decideRemoveTargetFromExecutions("gone", byKey(other), noIncluders)).toEqual([]);
  });

  it("takes an execution it empties out of every list that includes it, transitively", () => {
    // given: inner = [gone]; middle = [include inner]; outer = [include middle, t9]
    const innerCondition = { type: "function", scope: "name", name: "inner" } as const;
    const middleCondition = { type: "function", scope: "name", name: "middle" } as const;
    const inner = existingExecution(innerCondition, [target("gone")]);
    const middle = existingExecution(middleCondition, [include(inner.key)]);
    const outer = existingExecution(enrich, [include(middle.key), target("t9")]);
    const includedBy: Record<string, string[]> = { [inner.key]: [middle.key], [middle.key]: [outer.key] };

    // when
    const events = decideRemoveTargetFromExecutions("gone", byKey(inner, middle, outer), (key) => includedBy[key] ?? []);

    // then
    expect(events.map((event) => [event.aggregateId, event.type])).toEqual([
      [inner.key, "execution.removed"],
      [middle.key, "execution.removed"],
      [outer.key, "execution.set"],
    ]);
    expect(events[2]?.payload.elements).toEqual([target("t9")]);
  });

  it("does not touch includes whose key equals the target id", () => {
    const withInclude = existingExecution(enrich, [include("gone"), target("gone")]);
    const events = decideRemoveTargetFromExecutions("gone", byKey(withInclude), noIncluders);
    expect(events[0]?.payload.elements).toEqual([include("gone")]);
  });
});

describe("directTargetIds / directIncludes", () => {
  it("split a list into its direct targets and includes, in order", () => {
    const elements = [target("t1"), include("event:all"), target("t2"), include("request:all")];
    expect(directTargetIds(elements)).toEqual(["t1", "t2"]);
    expect(directIncludes(elements)).toEqual(["event:all", "request:all"]);
  });
});
