import { describe, expect, it } from "vitest";
import type { ConditionKey } from "../../server/domain/condition.js";
import type { ExecutionElement } from "../../server/domain/execution.js";
import {
  type ExecutionLookup,
  checkIncludeGraph,
  maxIncludeDepth,
  resolveTargetIds,
} from "../../server/domain/includes.js";
import { thrownBy } from "./thrown.js";

const A = "function:name:a";
const B = "function:name:b";
const C = "function:name:c";
const D = "function:name:d";
const E = "function:name:e";

const target = (targetId: string): ExecutionElement => ({ kind: "target", targetId });
const include = (key: ConditionKey): ExecutionElement => ({ kind: "include", include: key });

/** A lookup over a fixed set of executions. */
function executions(byKey: Record<ConditionKey, readonly ExecutionElement[]>): ExecutionLookup {
  return (key) => (Object.hasOwn(byKey, key) ? byKey[key] : undefined);
}

describe("resolveTargetIds", () => {
  it("lists direct targets in order", () => {
    const lookup = executions({ [A]: [target("t3"), target("t1"), target("t2")] });
    expect(resolveTargetIds(A, lookup)).toEqual(["t3", "t1", "t2"]);
  });

  it("resolves a condition without execution to nothing", () => {
    expect(resolveTargetIds(A, executions({}))).toEqual([]);
  });

  it("expands an include in place, preserving order", () => {
    // given
    const lookup = executions({
      [A]: [target("t1"), include(B), target("t4")],
      [B]: [target("t2"), target("t3")],
    });

    // when
    const resolved = resolveTargetIds(A, lookup);

    // then
    expect(resolved).toEqual(["t1", "t2", "t3", "t4"]);
  });

  it("expands nested includes in place", () => {
    const lookup = executions({
      [A]: [target("a1"), include(B), target("a2")],
      [B]: [target("b1"), include(C), target("b2")],
      [C]: [target("c1")],
    });
    expect(resolveTargetIds(A, lookup)).toEqual(["a1", "b1", "c1", "b2", "a2"]);
  });

  it("expands the same include at every place it appears", () => {
    // given
    const lookup = executions({
      [A]: [include(B), target("t1"), include(B)],
      [B]: [target("t2"), target("t3")],
    });

    // when
    const resolved = resolveTargetIds(A, lookup);

    // then
    expect(resolved).toEqual(["t2", "t3", "t1", "t2", "t3"]);
  });

  it("expands a diamond (two paths to the same execution) without calling it a cycle", () => {
    const lookup = executions({
      [A]: [include(B), include(C)],
      [B]: [include(D)],
      [C]: [include(D)],
      [D]: [target("d1")],
    });
    expect(resolveTargetIds(A, lookup)).toEqual(["d1", "d1"]);
  });

  it("expands an include of a missing execution to nothing", () => {
    const lookup = executions({ [A]: [target("t1"), include(B), target("t2")] });
    expect(resolveTargetIds(A, lookup)).toEqual(["t1", "t2"]);
  });

  it("refuses a self-include, naming the cycle", () => {
    // given
    const lookup = executions({ [A]: [target("t1"), include(A)] });

    // when
    const error = thrownBy(() => resolveTargetIds(A, lookup));

    // then
    expect(error.kind).toBe("failed_precondition");
    expect(error.reason).toBe("include_cycle");
    expect(error.message).toContain(`${A} → ${A}`);
    expect(error.metadata.path).toBe(`${A} → ${A}`);
  });

  it("refuses a two-step cycle, naming the path", () => {
    const lookup = executions({ [A]: [include(B)], [B]: [include(A)] });

    const error = thrownBy(() => resolveTargetIds(A, lookup));

    expect(error.kind).toBe("failed_precondition");
    expect(error.reason).toBe("include_cycle");
    expect(error.message).toContain(`${A} → ${B} → ${A}`);
    expect(error.metadata.path).toBe(`${A} → ${B} → ${A}`);
  });

  it("refuses a longer cycle that does not return to the start", () => {
    // given: A → B → C → B
    const lookup = executions({ [A]: [include(B)], [B]: [include(C)], [C]: [target("c1"), include(B)] });

    // when
    const error = thrownBy(() => resolveTargetIds(A, lookup));

    // then
    expect(error.kind).toBe("failed_precondition");
    expect(error.reason).toBe("include_cycle");
    expect(error.metadata.path).toBe(`${A} → ${B} → ${C} → ${B}`);
    expect(error.message).toContain(`${B} → ${C} → ${B}`);
  });

  it(`allows includes nested ${maxIncludeDepth} deep`, () => {
    // given: A → B → C → D
    expect(maxIncludeDepth).toBe(3);
    const lookup = executions({
      [A]: [target("a"), include(B)],
      [B]: [target("b"), include(C)],
      [C]: [target("c"), include(D)],
      [D]: [target("d")],
    });

    // then
    expect(resolveTargetIds(A, lookup)).toEqual(["a", "b", "c", "d"]);
  });

  it("refuses includes nested 4 deep", () => {
    // given: A → B → C → D → E
    const lookup = executions({
      [A]: [include(B)],
      [B]: [include(C)],
      [C]: [include(D)],
      [D]: [include(E)],
      [E]: [target("e")],
    });

    // when
    const error = thrownBy(() => resolveTargetIds(A, lookup));

    // then
    expect(error.kind).toBe("failed_precondition");
    expect(error.reason).toBe("include_depth_exceeded");
    expect(error.metadata.path).toBe([A, B, C, D, E].join(" → "));
    expect(error.metadata.max_depth).toBe("3");
    expect(error.message).toContain([A, B, C, D, E].join(" → "));
  });

  it("refuses depth 4 even when the deepest execution does not exist", () => {
    const lookup = executions({ [A]: [include(B)], [B]: [include(C)], [C]: [include(D)], [D]: [include(E)] });
    expect(thrownBy(() => resolveTargetIds(A, lookup)).reason).toBe("include_depth_exceeded");
  });
});

describe("checkIncludeGraph", () => {
  it("passes when setting B to include C keeps A within depth", () => {
    // given: A → B, C → D
    const current = { [A]: [include(B)], [B]: [target("b")], [C]: [include(D)], [D]: [target("d")] };

    // when / then: A → B → C → D is depth 3
    expect(() => checkIncludeGraph(B, [include(C)], executions(current), Object.keys(current))).not.toThrow();
  });

  it("fails when setting B to include C makes A, which includes B, too deep", () => {
    // given: A → B, C → D → E; B alone would be B → C → D → E, depth 3
    const current = {
      [A]: [include(B)],
      [B]: [target("b")],
      [C]: [include(D)],
      [D]: [include(E)],
      [E]: [target("e")],
    };
    expect(() => resolveTargetIds(B, executions({ ...current, [B]: [include(C)] }))).not.toThrow();

    // when
    const error = thrownBy(() => checkIncludeGraph(B, [include(C)], executions(current), Object.keys(current)));

    // then
    expect(error.kind).toBe("failed_precondition");
    expect(error.reason).toBe("include_depth_exceeded");
    expect(error.metadata.path).toBe([A, B, C, D, E].join(" → "));
  });

  it("fails when A reaches B only indirectly and the change makes A too deep", () => {
    // given: A → X → B, C → D; A → X → B → C → D is depth 4
    const X = "request:all";
    const current = { [A]: [include(X)], [X]: [include(B)], [B]: [], [C]: [include(D)], [D]: [target("d")] };

    const error = thrownBy(() => checkIncludeGraph(B, [include(C)], executions(current), Object.keys(current)));

    expect(error.reason).toBe("include_depth_exceeded");
    expect(error.metadata.path).toBe([A, X, B, C, D].join(" → "));
  });

  it("fails when setting B to include C closes a cycle through A", () => {
    // given: A → B, C → A
    const current = { [A]: [include(B)], [B]: [target("b")], [C]: [include(A)] };

    // when
    const error = thrownBy(() => checkIncludeGraph(B, [include(C)], executions(current), Object.keys(current)));

    // then
    expect(error.kind).toBe("failed_precondition");
    expect(error.reason).toBe("include_cycle");
    expect(error.message).toMatch(new RegExp(`${B} → ${C} → ${A} → ${B}`));
  });

  it("fails when B is set to include itself", () => {
    const current = { [A]: [include(B)], [B]: [target("b")] };
    const error = thrownBy(() => checkIncludeGraph(B, [include(B)], executions(current), Object.keys(current)));
    expect(error.reason).toBe("include_cycle");
  });

  it("passes for an execution nobody includes, whatever deep chains exist elsewhere", () => {
    // given: A → B → C → D already at the limit, and an unrelated E
    const current = { [A]: [include(B)], [B]: [include(C)], [C]: [include(D)], [D]: [target("d")], [E]: [] };

    // when / then
    expect(() => checkIncludeGraph(E, [target("e"), include(D)], executions(current), Object.keys(current))).not.toThrow();
  });

  it("judges the new list, not the stored one, for B", () => {
    // given: B currently includes C which includes B (a stored cycle being repaired)
    const current = { [A]: [include(B)], [B]: [include(C)], [C]: [include(B)] };

    // when / then: replacing B's list with plain targets repairs it
    expect(() => checkIncludeGraph(B, [target("b")], executions(current), Object.keys(current))).not.toThrow();
  });
});
