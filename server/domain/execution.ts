/**
 * Executions: a condition bound to an ordered list of targets and includes.
 * Pure decisions from commands and current state to events.
 */
import { type Condition, type ConditionKey, conditionKey } from "./condition.js";
import { SwitchyardError } from "./errors.js";
import { type Details, type NewEvent, type StoredEvent, detailsOf } from "./events.js";

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

/** `NOT_FOUND` (`execution_not_found`) for a condition without an execution. */
export function executionNotFound(key: ConditionKey): SwitchyardError {
  return new SwitchyardError("not_found", "execution_not_found", `no execution for condition ${key}`, { condition: key });
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
 * The events that take `targetId` out of every execution: an `execution.set`
 * with the remaining list, or `execution.removed` when nothing remains — and
 * an execution removed that way also leaves every list that includes it, by
 * the same rule, so no include ever points at a removed execution.
 * `executions` must hold every execution that lists the target and, through
 * `includers`, every execution that includes one of them, transitively.
 */
export function decideRemoveTargetFromExecutions(
  targetId: string,
  executions: ReadonlyMap<ConditionKey, Execution>,
  includers: (key: ConditionKey) => readonly ConditionKey[],
): NewEvent[] {
  const lists = new Map<ConditionKey, readonly ExecutionElement[]>();
  const removed: ConditionKey[] = [];
  const drop = (key: ConditionKey, keep: (element: ExecutionElement) => boolean) => {
    const current = lists.get(key) ?? executions.get(key)?.elements;
    if (!current || removed.includes(key)) return;
    const remaining = current.filter(keep);
    lists.set(key, remaining);
    if (remaining.length === 0) removed.push(key);
  };
  for (const [key] of executions) drop(key, (e) => e.kind !== "target" || e.targetId !== targetId);
  for (let index = 0; index < removed.length; index++) {
    const gone = removed[index]!;
    for (const includer of includers(gone)) drop(includer, (e) => e.kind !== "include" || e.include !== gone);
  }
  return [...lists].flatMap(([key, remaining]) => {
    const execution = executions.get(key)!;
    return decideSetExecution(execution.condition, execution, remaining);
  });
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

/**
 * The execution after `event`: what the projection holds, computed in memory.
 * Undefined once removed; events of other aggregates leave it unchanged.
 */
export function evolveExecution(current: Execution | undefined, event: StoredEvent): Execution | undefined {
  if (event.aggregateType !== "execution") return current;
  switch (event.type) {
    case "execution.set": {
      const { condition, elements } = event.payload as { condition: Condition; elements: ExecutionElement[] };
      return {
        key: event.aggregateId,
        condition,
        elements,
        createdAt: current?.createdAt ?? event.createdAt,
        details: detailsOf(event),
      };
    }
    case "execution.removed":
      return undefined;
    default:
      return current;
  }
}
