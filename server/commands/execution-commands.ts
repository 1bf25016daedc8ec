/**
 * Execution commands: validate references (targets, includes, methods),
 * check the include graph, decide, append. Every referenced aggregate is an
 * expectation of the append, so a concurrent delete cannot leave a dangling
 * reference behind.
 */
import { type Condition, type ConditionKey, conditionKey, serviceOfMethod } from "../domain/condition.js";
import { SwitchyardError, notFound, sequenceMismatch } from "../domain/errors.js";
import { type Actor, type Details, detailsOf } from "../domain/events.js";
import {
  type Execution,
  type ExecutionElement,
  decideRemoveExecution,
  decideSetExecution,
  directIncludes,
  directTargetIds,
  executionNotFound,
} from "../domain/execution.js";
import { checkIncludeGraph } from "../domain/includes.js";
import type { SequenceExpectation, Store } from "../store/store.js";

type IncludeGraph = Map<ConditionKey, ConditionKey[]>;

const includeElement = (include: ConditionKey): ExecutionElement => ({ kind: "include", include });
import { lastEventDetails } from "./last-details.js";
import { createAggregateCommandRunner } from "./retry.js";

/** The RPCs this server serves, which request/response conditions may name. */
export interface RpcRegistry {
  readonly methods: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  /**
   * The control plane's own management services: their methods cannot be
   * bound to a target with `interruptOnError`, so a broken target can never
   * lock operators out (the interceptor ignores the flag on them as well).
   */
  readonly managementServices?: ReadonlySet<string>;
}

export interface ExecutionCommandsDeps {
  readonly store: Store;
  readonly rpcRegistry: RpcRegistry;
}

/** Creates the execution commands. */
export function createExecutionCommands(deps: ExecutionCommandsDeps) {
  const { store, rpcRegistry } = deps;
  const runCommand = createAggregateCommandRunner();

  function requireKnownRpc(condition: Condition): void {
    if (condition.type !== "request" && condition.type !== "response") return;
    if (condition.scope === "method" && !rpcRegistry.methods.has(condition.name)) {
      throw new SwitchyardError("not_found", "method_not_found", `method ${condition.name} is not served here`, {
        method: condition.name,
      });
    }
    if (condition.scope === "service" && !rpcRegistry.services.has(condition.name)) {
      throw new SwitchyardError("not_found", "service_not_found", `service ${condition.name} is not served here`, {
        service: condition.name,
      });
    }
  }

  function managementRpc(condition: Condition): boolean {
    if (condition.type !== "request" && condition.type !== "response") return false;
    const service = condition.scope === "method" ? serviceOfMethod(condition.name) : condition.scope === "service" ? condition.name : "";
    return rpcRegistry.managementServices?.has(service) ?? false;
  }

  async function targetExpectations(owner: string, elements: readonly ExecutionElement[], condition: Condition) {
    const expectations: SequenceExpectation[] = [];
    for (const id of new Set(directTargetIds(elements))) {
      const target = await store.getTarget(owner, id);
      if (!target) throw notFound("target", id);
      if (managementRpc(condition) && target.targetType.kind !== "async" && target.targetType.interruptOnError) {
        throw new SwitchyardError(
          "failed_precondition",
          "interrupt_on_management_method",
          `target ${id} has interrupt_on_error, which management methods (${condition.name}) cannot be bound to: a failing target would lock operators out`,
          { target_id: id, condition: conditionKey(condition) },
        );
      }
      expectations.push({ aggregateType: "target", aggregateId: id, sequence: target.details.sequence });
    }
    return expectations;
  }

  async function includeExpectations(owner: string, elements: readonly ExecutionElement[]) {
    const expectations: SequenceExpectation[] = [];
    for (const include of new Set(directIncludes(elements))) {
      const included = await store.getExecution(owner, include);
      if (!included) {
        throw executionNotFound(include);
      }
      expectations.push({ aggregateType: "execution", aggregateId: include, sequence: included.details.sequence });
    }
    return expectations;
  }

  /** Refuses to remove an execution that others include. */
  function requireNotIncluded(graph: IncludeGraph, key: ConditionKey): void {
    const includers = [...graph].filter(([other, includes]) => other !== key && includes.includes(key));
    if (includers.length > 0) {
      const names = includers.map(([other]) => other).join(", ");
      throw new SwitchyardError(
        "failed_precondition",
        "execution_included",
        `execution ${key} is included by ${names}; remove those includes first`,
        { condition: key, included_by: names },
      );
    }
  }

  function checkExpected(key: ConditionKey, current: Execution | undefined, expected?: bigint): void {
    const actual = current?.details.sequence ?? 0n;
    if (expected !== undefined && expected !== actual) throw sequenceMismatch("execution", key, expected, actual);
  }

  async function remove(actor: Actor, key: ConditionKey, expectedSequence?: bigint): Promise<{ details?: Details }> {
    const owner = actor.resourceOwner;
    const current = await store.getExecution(owner, key);
    if (!current) {
      const details = await lastEventDetails(store, owner, "execution", key);
      checkExpected(key, undefined, expectedSequence === 0n ? undefined : expectedSequence);
      return details ? { details } : {};
    }
    checkExpected(key, current, expectedSequence);
    requireNotIncluded(await store.includeGraph(owner), key);
    const [removed] = await store.append({
      actor,
      events: decideRemoveExecution(key, current),
      expectations: [{ aggregateType: "execution", aggregateId: key, sequence: current.details.sequence }],
    });
    return { details: detailsOf(removed!) };
  }

  return {
    /**
     * Sets the list of a condition (upsert). Identical list: no event, current
     * details. Empty list: removes the execution.
     */
    async setExecution(
      actor: Actor,
      condition: Condition,
      elements: readonly ExecutionElement[],
      expectedSequence?: bigint,
    ): Promise<{ details?: Details }> {
      requireKnownRpc(condition);
      const key = conditionKey(condition);
      const owner = actor.resourceOwner;
      if (elements.length === 0) return runCommand(`${owner}\0${key}`, () => remove(actor, key, expectedSequence), expectedSequence);
      const run = async () => {
        const [current, graph] = await Promise.all([store.getExecution(owner, key), store.includeGraph(owner)]);
        checkExpected(key, current, expectedSequence);
        // The graph check first: a self-include is a cycle, not a missing include.
        // Only include edges matter for cycles and depth, so others are looked up as includes alone.
        const includesOf = (other: ConditionKey) => graph.get(other)?.map(includeElement);
        checkIncludeGraph(key, elements, includesOf, graph.keys());
        // A removed execution's stream goes on: setting its condition again continues after the removal.
        const streamSequence = current?.details.sequence ?? (await lastEventDetails(store, owner, "execution", key))?.sequence ?? 0n;
        const expectations = [
          { aggregateType: "execution", aggregateId: key, sequence: streamSequence },
          ...(await targetExpectations(owner, elements, condition)),
          ...(await includeExpectations(owner, elements)),
        ];
        const events = decideSetExecution(condition, current, elements);
        if (events.length === 0) return { details: current!.details };
        const [set] = await store.append({ actor, events, expectations });
        return { details: detailsOf(set!) };
      };
      return runCommand(`${owner}\0${key}`, run, expectedSequence);
    },

    /** Removes the execution of a condition. Idempotent; refused while others include it. */
    async deleteExecution(actor: Actor, condition: Condition, expectedSequence?: bigint): Promise<{ details?: Details }> {
      const key = conditionKey(condition);
      return runCommand(`${actor.resourceOwner}\0${key}`, () => remove(actor, key, expectedSequence), expectedSequence);
    },
  };
}

export type ExecutionCommands = ReturnType<typeof createExecutionCommands>;
