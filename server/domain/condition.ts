/**
 * Conditions and their keys. A condition is what an execution is bound to; its
 * key is a stable string (`request:method:/pkg.Svc/Method`, `event:group:job`,
 * `function:name:enrich`, `response:all`) that identifies the execution per
 * owner and indexes the router.
 */
import { SwitchyardError } from "./errors.js";

/** Request/response conditions select RPCs of this server. */
export interface RpcCondition {
  readonly type: "request" | "response";
  readonly scope: "method" | "service" | "all";
  /** Full method (`/pkg.Svc/Method`) or service (`pkg.Svc`); empty for `all`. */
  readonly name: string;
}

/** A named operation that jobs execute. */
export interface FunctionCondition {
  readonly type: "function";
  readonly scope: "name";
  readonly name: string;
}

/** Event conditions select events by type. */
export interface EventCondition {
  readonly type: "event";
  readonly scope: "event" | "group" | "all";
  /** Event type or group prefix; empty for `all`. */
  readonly name: string;
}

export type Condition = RpcCondition | FunctionCondition | EventCondition;
export type ConditionType = Condition["type"];
export type ConditionKey = string;

/** The key of a condition. */
export function conditionKey(condition: Condition): ConditionKey {
  return condition.scope === "all" ? `${condition.type}:all` : `${condition.type}:${condition.scope}:${condition.name}`;
}

const scopesByType: Record<ConditionType, readonly string[]> = {
  request: ["method", "service", "all"],
  response: ["method", "service", "all"],
  function: ["name"],
  event: ["event", "group", "all"],
};

/** Parses a key made by {@link conditionKey}. */
export function parseConditionKey(key: ConditionKey): Condition {
  const [type, scope, ...rest] = key.split(":");
  const name = rest.join(":");
  // Own keys only: `constructor:all` must be rejected, not reach Object.prototype.
  const scopes = type !== undefined && Object.hasOwn(scopesByType, type) ? scopesByType[type as ConditionType] : undefined;
  if (!scopes || scope === undefined || !scopes.includes(scope) || (scope === "all") !== (name === "")) {
    throw new SwitchyardError("internal", "invalid_condition_key", `invalid condition key ${JSON.stringify(key)}`);
  }
  return { type, scope, name } as Condition;
}

/** The service part of a full method name: `/pkg.Svc/Method` → `pkg.Svc`. */
export function serviceOfMethod(fullMethod: string): string {
  const end = fullMethod.lastIndexOf("/");
  return fullMethod.slice(1, end);
}

/**
 * Keys that could match an RPC, most specific first: the method, its service,
 * then `all`. Exact strings only, so `FooService` never matches `FooServiceX`.
 */
export function rpcCandidateKeys(type: "request" | "response", fullMethod: string): ConditionKey[] {
  return [
    conditionKey({ type, scope: "method", name: fullMethod }),
    conditionKey({ type, scope: "service", name: serviceOfMethod(fullMethod) }),
    conditionKey({ type, scope: "all", name: "" }),
  ];
}

/**
 * Keys that could match an event type, most specific first: the exact type,
 * then every group prefix on `.` boundaries from longest to shortest (the
 * whole type counts as a group of itself), then `all`.
 */
export function eventCandidateKeys(eventType: string): ConditionKey[] {
  const keys = [conditionKey({ type: "event", scope: "event", name: eventType })];
  const segments = eventType.split(".");
  for (let length = segments.length; length > 0; length--) {
    keys.push(conditionKey({ type: "event", scope: "group", name: segments.slice(0, length).join(".") }));
  }
  keys.push(conditionKey({ type: "event", scope: "all", name: "" }));
  return keys;
}

/** The key of the function condition named `name`. */
export function functionKey(name: string): ConditionKey {
  return conditionKey({ type: "function", scope: "name", name });
}

/** The single most specific key among `candidates` (ordered most specific first) that `exists`. */
export function mostSpecificMatch(
  candidates: readonly ConditionKey[],
  exists: (key: ConditionKey) => boolean,
): ConditionKey | undefined {
  return candidates.find(exists);
}
