/**
 * Conditions on the command line, one word each:
 *
 *   function:<name>
 *   request:/pkg.Service/Method   request:pkg.Service   request:*   (response: the same)
 *   event:<type>                  event:<group>.*       event:*
 *
 * or the protobuf JSON of a Condition (`{"function":{"name":"enrich"}}`).
 */
import { type MessageInitShape, fromJson } from "@bufbuild/protobuf";
import { type Condition, ConditionSchema, type RpcCondition, type RpcConditionSchema } from "../client/node.js";
import { UsageError } from "./command.js";

/** Help text that lists the forms. */
export const conditionHelp =
  "function:<name> | request:/pkg.Service/Method | request:pkg.Service | request:* | response:… | event:<type> | event:<group>.* | event:* | JSON";

/** Parses one condition word (or JSON). */
export function parseCondition(text: string): MessageInitShape<typeof ConditionSchema> {
  if (text.trimStart().startsWith("{")) {
    try {
      return fromJson(ConditionSchema, JSON.parse(text));
    } catch (error) {
      throw new UsageError(`condition ${text} is not a Condition in JSON: ${(error as Error).message}`);
    }
  }
  const colon = text.indexOf(":");
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? "" : text.slice(colon + 1);
  if (rest === "") throw new UsageError(`condition ${JSON.stringify(text)}: expected ${conditionHelp}`);
  switch (kind) {
    case "function":
      return { conditionType: { case: "function", value: { name: rest } } };
    case "request":
    case "response":
      return { conditionType: { case: kind, value: { condition: rpcSelector(rest) } } };
    case "event":
      if (rest === "*") return { conditionType: { case: "event", value: { condition: { case: "all", value: true } } } };
      if (rest.endsWith(".*")) return { conditionType: { case: "event", value: { condition: { case: "group", value: rest.slice(0, -2) } } } };
      return { conditionType: { case: "event", value: { condition: { case: "event", value: rest } } } };
    default:
      throw new UsageError(`condition ${JSON.stringify(text)}: expected ${conditionHelp}`);
  }
}

function rpcSelector(text: string): MessageInitShape<typeof RpcConditionSchema>["condition"] {
  if (text === "*") return { case: "all", value: true };
  if (text.startsWith("/")) return { case: "method", value: text };
  return { case: "service", value: text };
}

/** A condition as the word `parseCondition` reads. */
export function formatCondition(condition: Condition | undefined): string {
  const type = condition?.conditionType;
  switch (type?.case) {
    case "function":
      return `function:${type.value.name}`;
    case "request":
    case "response":
      return `${type.case}:${formatRpc(type.value)}`;
    case "event": {
      const selector = type.value.condition;
      if (selector.case === "all") return "event:*";
      if (selector.case === "group") return `event:${selector.value}.*`;
      return `event:${selector.value ?? ""}`;
    }
    default:
      return "?";
  }
}

function formatRpc(condition: RpcCondition): string {
  const selector = condition.condition;
  if (selector.case === "all") return "*";
  return selector.value ?? "";
}
