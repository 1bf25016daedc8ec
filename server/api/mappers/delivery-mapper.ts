/** Deliveries: domain → proto, and the API's filters and selectors → the store's. */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Delivery,
  type DeliveryAttempt,
  DeliveryAttemptSchema,
  DeliveryKind,
  DeliverySchema,
  DeliveryStatus,
  type ListDeliveriesRequest,
  type RedeliverRequest,
} from "../../../gen/switchyard/v1/delivery_pb.js";
import type {
  DeliveryAttempt as DomainAttempt,
  Delivery as DomainDelivery,
  DeliveryFilter,
  DeliveryKind as DomainKind,
  DeliveryStatus as DomainStatus,
  RedeliverSelector,
} from "../../domain/delivery.js";
import { detailsToProto, optionalTimestamp, positionFromProto, timeRangeFromProto } from "./common.js";
import { msToDuration } from "./target-mapper.js";

const statusesToProto: Record<DomainStatus, DeliveryStatus> = {
  pending: DeliveryStatus.PENDING,
  succeeded: DeliveryStatus.SUCCEEDED,
  failed: DeliveryStatus.FAILED,
  dead: DeliveryStatus.DEAD,
};

const kindsToProto: Record<DomainKind, DeliveryKind> = {
  event: DeliveryKind.EVENT,
  async_call: DeliveryKind.ASYNC_CALL,
  callback: DeliveryKind.CALLBACK,
};

const statusesFromProto: Partial<Record<DeliveryStatus, DomainStatus>> = Object.fromEntries(
  Object.entries(statusesToProto).map(([domain, proto]) => [proto, domain as DomainStatus]),
);

/** An attempt as the API shows it. */
export function deliveryAttemptToProto(attempt: DomainAttempt): DeliveryAttempt {
  return create(DeliveryAttemptSchema, {
    number: attempt.number,
    attemptedAt: timestampFromDate(attempt.attemptedAt),
    httpStatus: attempt.httpStatus,
    latency: msToDuration(Math.max(0, Math.round(attempt.latencyMs))),
    error: attempt.error ?? "",
    responseExcerpt: attempt.responseExcerpt ?? "",
    nextAttemptAt: optionalTimestamp(attempt.nextAttemptAt),
  });
}

/** A delivery as the API shows it; attempts only when the store read them (GetDelivery). */
export function deliveryToProto(delivery: DomainDelivery): Delivery {
  return create(DeliverySchema, {
    id: delivery.id,
    kind: kindsToProto[delivery.kind],
    targetId: delivery.targetId ?? "",
    endpoint: delivery.endpoint,
    eventPosition: delivery.eventPosition ?? 0n,
    jobId: delivery.jobId ?? "",
    batchId: delivery.batchId ?? "",
    status: statusesToProto[delivery.status],
    attemptCount: delivery.attemptCount,
    nextAttemptAt: optionalTimestamp(delivery.nextAttemptAt),
    createdAt: timestampFromDate(delivery.createdAt),
    attempts: (delivery.attempts ?? []).map(deliveryAttemptToProto),
    details: detailsToProto({
      sequence: BigInt(delivery.version),
      changeDate: delivery.updatedAt,
      resourceOwner: delivery.resourceOwner,
    }),
  });
}

/** The store's filter for a ListDeliveries request; validation refused unspecified and unknown statuses. */
export function deliveryFilterFromProto(request: ListDeliveriesRequest): DeliveryFilter {
  return {
    ...(request.targetId !== undefined ? { targetId: request.targetId } : {}),
    ...(request.statuses.length > 0 ? { statuses: request.statuses.map((status) => statusesFromProto[status]!) } : {}),
    ...(request.eventPosition !== undefined ? { eventPosition: positionFromProto(request.eventPosition) } : {}),
    ...(request.jobId !== undefined ? { jobId: request.jobId } : {}),
    ...timeRangeFromProto(request.created),
  };
}

/** The store's selector for a Redeliver request; validation guaranteed one is set. */
export function redeliverSelectorFromProto(request: RedeliverRequest): RedeliverSelector {
  const { selector } = request;
  if (selector.case === "deliveryId") return { kind: "id", id: selector.value };
  return { kind: "dead", targetId: selector.value!.targetId, ...timeRangeFromProto(selector.value!.created) };
}
