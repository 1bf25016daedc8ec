/**
 * The router: an in-memory index from a condition to the ordered targets of
 * the single most specific execution, includes expanded, disabled targets left out. Built from the
 * store's projections at start-up and kept current from committed events. The
 * store notifies listeners after COMMIT and before the writer's promise
 * resolves, so a SetExecution or a target change is visible to the very next
 * RPC: never a stale cache.
 *
 * Lookups are a handful of map reads (O(1) in the number of executions); an
 * owner without executions costs one map miss, and one without event
 * executions answers an event without building its candidate keys.
 */
import type { Logger } from "pino";
import {
  type ConditionKey,
  eventCandidateKeys,
  functionKey,
  rpcCandidateKeys,
  serviceOfMethod,
} from "../domain/condition.js";
import type { StoredEvent } from "../domain/events.js";
import { type Execution, evolveExecution } from "../domain/execution.js";
import { resolveTargetIds } from "../domain/includes.js";
import { type Target, evolveTarget } from "../domain/target.js";
import type { Store } from "../store/store.js";

export interface Router {
  /** Targets for an RPC on the request or response side; empty when nothing matches. */
  rpcTargets(owner: string, side: "request" | "response", fullMethod: string): readonly Target[];
  /** Targets for an event type; empty when nothing matches. */
  eventTargets(owner: string, eventType: string): readonly Target[];
  /** Targets bound to a function; undefined when no execution is bound to it. */
  functionTargets(owner: string, name: string): readonly Target[] | undefined;
  /** A target as it is now (disabled ones too); undefined once deleted. */
  target(owner: string, id: string): Target | undefined;
  /** Stops following the store. */
  close(): void;
}

export interface RouterOptions {
  /**
   * Services that `request all` / `response all` never match (the control
   * plane's own management services), so a broken target can never lock
   * operators out. A method or service execution still matches them.
   */
  readonly notMatchedByAll?: ReadonlySet<string>;
  readonly logger?: Logger;
}

interface OwnerIndex {
  readonly targets: Map<string, Target>;
  readonly executions: Map<ConditionKey, Execution>;
  /** Resolved lists by key; cleared whenever a target or execution of the owner changes. */
  readonly resolved: Map<ConditionKey, readonly Target[]>;
  /**
   * Whether any execution has an event condition; undefined until asked after
   * a change. Every event the owner's jobs append is looked up, and most
   * owners bind functions and RPCs only: they skip building the event's
   * candidate keys.
   */
  hasEventExecutions?: boolean;
}

const none: readonly Target[] = Object.freeze([]);
/** What every event condition's key starts with (`conditionKey`). */
const eventKeyPrefix = "event:";

/** Loads the router from `store` and starts following it. */
export async function createRouter(store: Store, options: RouterOptions = {}): Promise<Router> {
  const owners = new Map<string, OwnerIndex>();
  const notMatchedByAll = options.notMatchedByAll ?? new Set<string>();

  const indexOf = (owner: string): OwnerIndex => {
    let index = owners.get(owner);
    if (!index) owners.set(owner, (index = { targets: new Map(), executions: new Map(), resolved: new Map() }));
    return index;
  };

  const apply = (event: StoredEvent): void => {
    if (event.aggregateType !== "target" && event.aggregateType !== "execution") return;
    const index = indexOf(event.resourceOwner);
    index.resolved.clear();
    index.hasEventExecutions = undefined;
    if (event.aggregateType === "target") {
      const next = evolveTarget(index.targets.get(event.aggregateId), event);
      if (next) index.targets.set(event.aggregateId, next);
      else index.targets.delete(event.aggregateId);
    } else {
      const next = evolveExecution(index.executions.get(event.aggregateId), event);
      if (next) index.executions.set(event.aggregateId, next);
      else index.executions.delete(event.aggregateId);
    }
  };

  // Subscribe before reading the snapshot and replay what arrived meanwhile:
  // payloads carry absolute values, so replaying an event the snapshot already
  // reflects, followed by every later one in order, ends in the right state.
  let pending: StoredEvent[] | undefined = [];
  const unsubscribe = store.subscribe((events) => {
    if (pending) pending.push(...events);
    else for (const event of events) apply(event);
  });
  const snapshot = await store.routingSnapshot();
  for (const target of snapshot.targets) indexOf(target.details.resourceOwner).targets.set(target.id, target);
  for (const execution of snapshot.executions) {
    indexOf(execution.details.resourceOwner).executions.set(execution.key, execution);
  }
  for (const event of pending) apply(event);
  pending = undefined;

  const resolve = (index: OwnerIndex, key: ConditionKey): readonly Target[] => {
    const cached = index.resolved.get(key);
    if (cached) return cached;
    let targets: readonly Target[];
    try {
      const ids = resolveTargetIds(key, (other) => index.executions.get(other)?.elements);
      // A disabled target (it answered 410 Gone, or an operator disabled it) is never called.
      targets = ids.flatMap((id) => {
        const target = index.targets.get(id);
        return target && target.state !== "disabled" ? [target] : [];
      });
    } catch (error) {
      // The command side refuses cycles and deep nesting; should one exist anyway, call nothing.
      options.logger?.error({ err: error, condition: key }, "execution cannot be resolved");
      targets = none;
    }
    index.resolved.set(key, targets);
    return targets;
  };

  /** The owner's index when it has any execution at all; the fast path for everyone else. */
  const withExecutions = (owner: string): OwnerIndex | undefined => {
    const index = owners.get(owner);
    return index && index.executions.size > 0 ? index : undefined;
  };

  const hasEventExecutions = (index: OwnerIndex): boolean => {
    if (index.hasEventExecutions === undefined) {
      index.hasEventExecutions = false;
      for (const key of index.executions.keys()) {
        if (key.startsWith(eventKeyPrefix)) {
          index.hasEventExecutions = true;
          break;
        }
      }
    }
    return index.hasEventExecutions;
  };

  const firstMatch = (index: OwnerIndex, candidates: readonly ConditionKey[]): readonly Target[] | undefined => {
    const key = candidates.find((candidate) => index.executions.has(candidate));
    return key === undefined ? undefined : resolve(index, key);
  };

  return {
    rpcTargets(owner, side, fullMethod) {
      const index = withExecutions(owner);
      if (!index) return none;
      const candidates = rpcCandidateKeys(side, fullMethod);
      const eligible = notMatchedByAll.has(serviceOfMethod(fullMethod)) ? candidates.slice(0, -1) : candidates;
      return firstMatch(index, eligible) ?? none;
    },
    eventTargets(owner, eventType) {
      const index = withExecutions(owner);
      if (!index || !hasEventExecutions(index)) return none;
      return firstMatch(index, eventCandidateKeys(eventType)) ?? none;
    },
    functionTargets(owner, name) {
      const index = withExecutions(owner);
      return index && firstMatch(index, [functionKey(name)]);
    },
    target: (owner, id) => owners.get(owner)?.targets.get(id),
    close: unsubscribe,
  };
}
