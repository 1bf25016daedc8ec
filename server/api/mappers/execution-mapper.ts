/** Executions and conditions: proto ⇄ domain. */
import { type MessageInitShape, create } from "@bufbuild/protobuf";
import {
  type Condition,
  ConditionSchema,
  type Execution,
  ExecutionSchema,
  type ExecutionSearchFilter,
  type ExecutionTarget,
  ExecutionTargetSchema,
  ExecutionType,
  type RpcCondition,
} from "../../../gen/switchyard/v1/execution_pb.js";
import {
  type Condition as DomainCondition,
  type ConditionType,
  conditionKey,
  parseConditionKey,
} from "../../domain/condition.js";
import type { Execution as DomainExecution, ExecutionElement } from "../../domain/execution.js";
import type { ExecutionFilter } from "../../store/store.js";
import { detailsToProto } from "./common.js";

function rpcFromProto(type: "request" | "response", rpc: RpcCondition): DomainCondition {
  switch (rpc.condition.case) {
    case "method":
      return { type, scope: "method", name: rpc.condition.value };
    case "service":
      return { type, scope: "service", name: rpc.condition.value };
    default:
      return { type, scope: "all", name: "" };
  }
}

/** A condition in domain terms; validation guaranteed every required oneof is set. */
export function conditionFromProto(condition: Condition): DomainCondition {
  const kind = condition.conditionType;
  switch (kind.case) {
    case "request":
    case "response":
      return rpcFromProto(kind.case, kind.value);
    case "function":
      return { type: "function", scope: "name", name: kind.value.name };
    case "event": {
      const selector = kind.value.condition;
      if (selector.case === "event") return { type: "event", scope: "event", name: selector.value };
      if (selector.case === "group") return { type: "event", scope: "group", name: selector.value };
      return { type: "event", scope: "all", name: "" };
    }
    default:
      throw new Error("unreachable: validated condition without a case");
  }
}

/** A domain condition as the API shows it. */
export function conditionToProto(condition: DomainCondition): Condition {
  return create(ConditionSchema, { conditionType: conditionTypeInit(condition) });
}

function conditionTypeInit(condition: DomainCondition): MessageInitShape<typeof ConditionSchema>["conditionType"] {
  switch (condition.type) {
    case "request":
    case "response": {
      const selector =
        condition.scope === "all"
          ? { case: "all" as const, value: true }
          : { case: condition.scope, value: condition.name };
      return { case: condition.type, value: { condition: selector } };
    }
    case "function":
      return { case: "function", value: { name: condition.name } };
    case "event": {
      const selector =
        condition.scope === "all"
          ? { case: "all" as const, value: true }
          : { case: condition.scope, value: condition.name };
      return { case: "event", value: { condition: selector } };
    }
  }
}

/** List elements in domain terms: includes by condition key. */
export function elementsFromProto(targets: readonly ExecutionTarget[]): ExecutionElement[] {
  return targets.map((element): ExecutionElement => {
    if (element.type.case === "include") {
      return { kind: "include", include: conditionKey(conditionFromProto(element.type.value)) };
    }
    return { kind: "target", targetId: element.type.value ?? "" };
  });
}

/** An execution as the API shows it, with its resolved target ids. */
export function executionToProto(execution: DomainExecution, resolvedTargetIds: readonly string[]): Execution {
  return create(ExecutionSchema, {
    condition: conditionToProto(execution.condition),
    targets: execution.elements.map(
      (element): MessageInitShape<typeof ExecutionTargetSchema> =>
        element.kind === "target"
          ? { type: { case: "target", value: element.targetId } }
          : { type: { case: "include", value: conditionToProto(parseConditionKey(element.include)) } },
    ),
    resolvedTargetIds: [...resolvedTargetIds],
    details: detailsToProto(execution.details),
  });
}

const executionTypes: Record<Exclude<ExecutionType, ExecutionType.UNSPECIFIED>, ConditionType> = {
  [ExecutionType.REQUEST]: "request",
  [ExecutionType.RESPONSE]: "response",
  [ExecutionType.FUNCTION]: "function",
  [ExecutionType.EVENT]: "event",
};

/** The store's filter for a search filter; validation guaranteed one is set. */
export function executionFilterFromProto(filter: ExecutionSearchFilter): ExecutionFilter {
  const value = filter.filter;
  switch (value.case) {
    case "inConditionsFilter":
      return { kind: "conditions", keys: value.value.conditions.map((c) => conditionKey(conditionFromProto(c))) };
    case "executionTypeFilter":
      return { kind: "type", type: executionTypes[value.value.executionType as keyof typeof executionTypes] };
    case "targetFilter":
      return { kind: "target", targetId: value.value.targetId };
    case "includeFilter":
      return { kind: "include", key: conditionKey(conditionFromProto(value.value.include!)) };
    default:
      throw new Error("unreachable: validated filter without a case");
  }
}
