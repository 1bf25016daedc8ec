/** Targets: proto ⇄ domain. */
import { type MessageInitShape, create } from "@bufbuild/protobuf";
import { type Duration, DurationSchema, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type CreateTargetRequest,
  PayloadType,
  type Target,
  TargetFieldName,
  TargetSchema,
  type TargetSearchFilter,
  TargetState,
  type UpdateTargetRequest,
} from "../../../gen/switchyard/v1/target_pb.js";
import type { TargetUpdate } from "../../commands/target-commands.js";
import type {
  PayloadType as DomainPayloadType,
  Target as DomainTarget,
  TargetSpec,
  TargetState as DomainTargetState,
  TargetType,
} from "../../domain/target.js";
import type { TargetFilter, TargetSortColumn } from "../../store/store.js";
import { detailsToProto, optionalTimestamp, textMatchFromProto } from "./common.js";

/** A Duration in whole milliseconds. */
export function durationToMs(duration: Duration): number {
  return Number(duration.seconds) * 1000 + Math.floor(duration.nanos / 1_000_000);
}

/** Milliseconds as a Duration. */
export function msToDuration(ms: number): Duration {
  return create(DurationSchema, { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
}

type TargetTypeField = CreateTargetRequest["targetType"] | UpdateTargetRequest["targetType"];

function targetTypeFromProto(targetType: TargetTypeField): TargetType | undefined {
  switch (targetType.case) {
    case "restWebhook":
      return { kind: "webhook", interruptOnError: targetType.value.interruptOnError };
    case "restCall":
      return { kind: "call", interruptOnError: targetType.value.interruptOnError };
    case "restAsync":
      return { kind: "async" };
    default:
      return undefined;
  }
}

function targetTypeToProto(targetType: TargetType): MessageInitShape<typeof TargetSchema>["targetType"] {
  switch (targetType.kind) {
    case "webhook":
      return { case: "restWebhook", value: { interruptOnError: targetType.interruptOnError } };
    case "call":
      return { case: "restCall", value: { interruptOnError: targetType.interruptOnError } };
    case "async":
      return { case: "restAsync", value: {} };
  }
}

function payloadTypeFromProto(payloadType: PayloadType): DomainPayloadType {
  return payloadType === PayloadType.JWT ? "jwt" : "json";
}

/** The domain state of a validated (never unspecified) TargetState. */
function targetStateFromProto(state: TargetState): DomainTargetState {
  return state === TargetState.DISABLED ? "disabled" : "active";
}

/** The spec of a new target; validation guaranteed the required fields. */
export function targetSpecFromProto(request: CreateTargetRequest): TargetSpec {
  return {
    name: request.name,
    endpoint: request.endpoint,
    timeoutMs: durationToMs(request.timeout!),
    targetType: targetTypeFromProto(request.targetType)!,
    payloadType: payloadTypeFromProto(request.payloadType),
  };
}

/** The partial change of an update. */
export function targetUpdateFromProto(request: UpdateTargetRequest): TargetUpdate {
  const targetType = targetTypeFromProto(request.targetType);
  return {
    ...(request.name !== undefined ? { name: request.name } : {}),
    ...(request.endpoint !== undefined ? { endpoint: request.endpoint } : {}),
    ...(request.timeout ? { timeoutMs: durationToMs(request.timeout) } : {}),
    ...(targetType ? { targetType } : {}),
    ...(request.payloadType !== undefined ? { payloadType: payloadTypeFromProto(request.payloadType) } : {}),
    rotateSigningKey: request.rotateSigningKey,
    ...(request.signingKeyOverlap ? { signingKeyOverlapMs: durationToMs(request.signingKeyOverlap) } : {}),
    ...(request.state !== undefined ? { state: targetStateFromProto(request.state) } : {}),
  };
}

/** A target as the API shows it: never with a signing key. */
export function targetToProto(target: DomainTarget): Target {
  const overlapActive = target.previousSigningKeyExpiresAt && target.previousSigningKeyExpiresAt.getTime() > Date.now();
  return create(TargetSchema, {
    id: target.id,
    name: target.name,
    endpoint: target.endpoint,
    timeout: msToDuration(target.timeoutMs),
    targetType: targetTypeToProto(target.targetType),
    payloadType: target.payloadType === "jwt" ? PayloadType.JWT : PayloadType.JSON,
    previousSigningKeyExpiresAt: overlapActive ? optionalTimestamp(target.previousSigningKeyExpiresAt) : undefined,
    creationDate: timestampFromDate(target.createdAt),
    details: detailsToProto(target.details),
    state: target.state === "disabled" ? TargetState.DISABLED : TargetState.ACTIVE,
    disabledReason: target.disabledReason ?? "",
  });
}

const sortColumns: Record<TargetFieldName, TargetSortColumn> = {
  [TargetFieldName.UNSPECIFIED]: "creation_date",
  [TargetFieldName.ID]: "id",
  [TargetFieldName.CREATION_DATE]: "creation_date",
  [TargetFieldName.CHANGE_DATE]: "change_date",
  [TargetFieldName.NAME]: "name",
  [TargetFieldName.TARGET_TYPE]: "target_type",
  [TargetFieldName.ENDPOINT]: "endpoint",
  [TargetFieldName.TIMEOUT]: "timeout",
};

/** The store's sort column for a TargetFieldName. */
export function targetSortFromProto(field: TargetFieldName): TargetSortColumn {
  return sortColumns[field];
}

/** The store's filter for a search filter; validation guaranteed one is set. */
export function targetFilterFromProto(filter: TargetSearchFilter): TargetFilter {
  switch (filter.filter.case) {
    case "targetNameFilter":
      return { kind: "name", text: filter.filter.value.targetName, match: textMatchFromProto(filter.filter.value.method) };
    case "inTargetIdsFilter":
      return { kind: "ids", ids: filter.filter.value.targetIds };
    default:
      throw new Error("unreachable: validated filter without a case");
  }
}
