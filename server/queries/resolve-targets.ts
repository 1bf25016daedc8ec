/**
 * Resolves executions to their ordered target ids, loading only the
 * executions their includes reach (at most {@link maxIncludeDepth} levels).
 */
import type { ConditionKey } from "../domain/condition.js";
import { type Execution, type ExecutionElement, directIncludes } from "../domain/execution.js";
import { maxIncludeDepth, resolveTargetIds } from "../domain/includes.js";
import type { Store } from "../store/store.js";

/** Target ids of each execution, in call order, includes expanded in place. */
export async function resolveExecutionTargets(
  store: Store,
  owner: string,
  executions: readonly Execution[],
): Promise<Map<ConditionKey, string[]>> {
  const known = new Map<ConditionKey, readonly ExecutionElement[]>(executions.map((e) => [e.key, e.elements]));
  let frontier = missingIncludes(known, executions.map((e) => e.elements));
  for (let depth = 0; frontier.length > 0 && depth <= maxIncludeDepth; depth++) {
    const loaded = await Promise.all(frontier.map((key) => store.getExecution(owner, key)));
    frontier.forEach((key, index) => known.set(key, loaded[index]?.elements ?? []));
    frontier = missingIncludes(known, loaded.flatMap((execution) => (execution ? [execution.elements] : [])));
  }
  return new Map(executions.map((e) => [e.key, resolveTargetIds(e.key, (key) => known.get(key))]));
}

function missingIncludes(
  known: ReadonlyMap<ConditionKey, unknown>,
  lists: readonly (readonly ExecutionElement[])[],
): ConditionKey[] {
  return [...new Set(lists.flatMap(directIncludes))].filter((key) => !known.has(key));
}
