/**
 * Include resolution: an execution's list may include other conditions, whose
 * targets are spliced in at that position, recursively, in order.
 */
import type { ConditionKey } from "./condition.js";
import { SwitchyardError } from "./errors.js";
import type { ExecutionElement } from "./execution.js";

/** How deep includes may nest: A includes B includes C includes D is 3. */
export const maxIncludeDepth = 3;

/** Looks up the elements of an execution; undefined when there is none. */
export type ExecutionLookup = (key: ConditionKey) => readonly ExecutionElement[] | undefined;

/**
 * The ordered target ids of `key` with every include expanded in place.
 * Throws `FAILED_PRECONDITION` (`include_cycle`, `include_depth_exceeded`)
 * naming the path. An include of a condition that has no execution expands to
 * nothing: the command side refuses such includes, so this only happens while
 * a cascade is in flight.
 */
export function resolveTargetIds(key: ConditionKey, lookup: ExecutionLookup): string[] {
  const resolved: string[] = [];
  const visit = (current: ConditionKey, path: readonly ConditionKey[]): void => {
    for (const element of lookup(current) ?? []) {
      if (element.kind === "target") {
        resolved.push(element.targetId);
        continue;
      }
      const nextPath = [...path, element.include];
      if (path.includes(element.include)) throw includeCycle(nextPath);
      if (nextPath.length - 1 > maxIncludeDepth) throw includeTooDeep(nextPath);
      visit(element.include, nextPath);
    }
  };
  visit(key, [key]);
  return resolved;
}

/**
 * Checks that setting `key` to `elements` keeps every execution resolvable:
 * the changed one and every execution that includes it, directly or not.
 */
export function checkIncludeGraph(
  key: ConditionKey,
  elements: readonly ExecutionElement[],
  lookup: ExecutionLookup,
  allKeys: Iterable<ConditionKey>,
): void {
  const next: ExecutionLookup = (candidate) => (candidate === key ? elements : lookup(candidate));
  resolveTargetIds(key, next);
  for (const other of allKeys) {
    if (other !== key && reaches(other, key, next)) resolveTargetIds(other, next);
  }
}

function reaches(from: ConditionKey, to: ConditionKey, lookup: ExecutionLookup): boolean {
  const seen = new Set<ConditionKey>();
  const stack = [from];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    for (const element of lookup(current) ?? []) {
      if (element.kind !== "include") continue;
      if (element.include === to) return true;
      stack.push(element.include);
    }
  }
  return false;
}

function includeCycle(path: readonly ConditionKey[]): SwitchyardError {
  const text = path.join(" → ");
  return new SwitchyardError("failed_precondition", "include_cycle", `include cycle: ${text}`, { path: text });
}

function includeTooDeep(path: readonly ConditionKey[]): SwitchyardError {
  const text = path.join(" → ");
  return new SwitchyardError(
    "failed_precondition",
    "include_depth_exceeded",
    `includes nest deeper than ${maxIncludeDepth}: ${text}`,
    { path: text, max_depth: String(maxIncludeDepth) },
  );
}
