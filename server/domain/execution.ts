/**
 * Executions: a condition bound to an ordered list of targets and includes.
 * Pure decisions from commands and current state to events.
 */
import { type Condition, type ConditionKey, conditionKey } from "./condition.js";
import type { Details, NewEvent } from "./events.js";

/** One element of an execution's list: a target id, or an included condition (by key). */
export type ExecutionElement =
  | { readonly kind: "target"; readonly targetId: string }
  | { readonly kind: "include"; readonly include: ConditionKey };

/** An execution as the read model holds it. */
export interface Execution {
  readonly key: ConditionKey;
  readonly condition: Condition;
  readonly elements: readonly ExecutionElement[];
  readonly createdAt: Date;
  readonly details: Details;
}

/**
 * `execution.set` with the new list, `execution.removed` when the list is
 * empty, and nothing when the list is unchanged (or already absent).
 */
export function decideSetExecution(
  condition: Condition,
  current: Execution | undefined,
  elements: readonly ExecutionElement[],
): NewEvent[] {
  const key = conditionKey(condition);
  if (elements.length === 0) return decideRemoveExecution(key, current);
  if (current && sameElements(current.elements, elements)) return [];
  return [{ aggregateType: "execution", aggregateId: key, type: "execution.set", payload: { condition, elements } }];
}

/** `execution.removed`, or nothing when there is no execution. */
export function decideRemoveExecution(key: ConditionKey, current: Execution | undefined): NewEvent[] {
  if (!current) return [];
  return [
    { aggregateType: "execution", aggregateId: key, type: "execution.removed", payload: { condition: current.condition } },
  ];
}

/**
 * The events that take `targetId` out of every execution that lists it: an
 * `execution.set` with the remaining list, or `execution.removed` when none remain.
 */
export function decideRemoveTargetFromExecutions(targetId: string, executions: readonly Execution[]): NewEvent[] {
  return executions.flatMap((execution) =>
    decideSetExecution(
      execution.condition,
      execution,
      execution.elements.filter((element) => element.kind !== "target" || element.targetId !== targetId),
    ),
  );
}

/** Ids of the targets an element list names directly. */
export function directTargetIds(elements: readonly ExecutionElement[]): string[] {
  return elements.flatMap((element) => (element.kind === "target" ? [element.targetId] : []));
}

/** Keys of the conditions an element list includes directly. */
export function directIncludes(elements: readonly ExecutionElement[]): ConditionKey[] {
  return elements.flatMap((element) => (element.kind === "include" ? [element.include] : []));
}

function sameElements(a: readonly ExecutionElement[], b: readonly ExecutionElement[]): boolean {
  return a.length === b.length && a.every((element, index) => sameElement(element, b[index]));
}

// Field by field, not JSON text: property order may differ between a decoded payload and a mapped request.
function sameElement(a: ExecutionElement, b: ExecutionElement | undefined): boolean {
  if (b === undefined || a.kind !== b.kind) return false;
  return a.kind === "target" ? a.targetId === (b as typeof a).targetId : a.include === (b as typeof a).include;
}
