/**
 * Conditions as text and in URLs.
 */
import { fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { type Condition, ConditionSchema, type EventCondition, type RpcCondition } from "../../client/index.js";

/** `request · /pkg.Service/Method`, `event · group job`, `function · enrich`. */
export function conditionLabel(condition: Condition | undefined): string {
  const type = condition?.conditionType;
  switch (type?.case) {
    case "request":
    case "response":
      return `${type.case} · ${rpcText(type.value)}`;
    case "function":
      return `function · ${type.value.name}`;
    case "event":
      return `event · ${eventText(type.value)}`;
    default:
      return "—";
  }
}

function rpcText(rpc: RpcCondition): string {
  const inner = rpc.condition;
  if (inner.case === "method") return inner.value;
  if (inner.case === "service") return `service ${inner.value}`;
  return "all";
}

function eventText(event: EventCondition): string {
  const inner = event.condition;
  if (inner.case === "event") return inner.value;
  if (inner.case === "group") return `group ${inner.value}`;
  return "all";
}

/** The edit page of the execution bound to `condition`. */
export function executionHref(condition: Condition): string {
  return `/executions/edit?condition=${encodeURIComponent(toJsonString(ConditionSchema, condition))}`;
}

/** The condition in an edit page's query, or undefined (a new execution). */
export function conditionFromQuery(query: URLSearchParams): Condition | undefined {
  const json = query.get("condition");
  return json ? fromJsonString(ConditionSchema, json) : undefined;
}
