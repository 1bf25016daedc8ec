/** DeliveryService: thin converters around the outbox reads and Redeliver. */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  DeliveryService,
  GetDeliveryResponseSchema,
  ListDeliveriesResponseSchema,
  RedeliverResponseSchema,
} from "../../gen/switchyard/v1/delivery_pb.js";
import { notFound } from "../domain/errors.js";
import type { Store } from "../store/store.js";
import { actorOf } from "./context.js";
import { pageFromProto, paginationToProto } from "./mappers/common.js";
import { deliveryFilterFromProto, deliveryToProto, redeliverSelectorFromProto } from "./mappers/delivery-mapper.js";

export interface DeliveryServiceDeps {
  readonly store: Store;
  /** Tells the dispatcher that deliveries were rescheduled, so it claims them at once. */
  readonly onRescheduled?: () => void;
  readonly now?: () => Date;
}

/**
 * Creates the DeliveryService implementation. Redeliver schedules at once
 * and wakes the dispatcher. Redelivering an id
 * that does not exist (or belongs to another owner) is NOT_FOUND; the `dead`
 * selector answers 0 when nothing matches.
 */
export function createDeliveryService(deps: DeliveryServiceDeps): ServiceImpl<typeof DeliveryService> {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  return {
    async listDeliveries(request, context) {
      const page = pageFromProto(request.pagination);
      const result = await store.listDeliveries(actorOf(context).resourceOwner, deliveryFilterFromProto(request), page);
      return create(ListDeliveriesResponseSchema, {
        pagination: paginationToProto(result, page),
        deliveries: result.items.map(deliveryToProto),
      });
    },

    async getDelivery(request, context) {
      const delivery = await store.getDelivery(actorOf(context).resourceOwner, request.id);
      if (!delivery) throw notFound("delivery", request.id);
      return create(GetDeliveryResponseSchema, { delivery: deliveryToProto(delivery) });
    },

    async redeliver(request, context) {
      const selector = redeliverSelectorFromProto(request);
      const count = await store.redeliver(actorOf(context).resourceOwner, selector, now());
      if (selector.kind === "id" && count === 0) throw notFound("delivery", selector.id);
      if (count > 0) deps.onRescheduled?.();
      return create(RedeliverResponseSchema, { count });
    },
  };
}
