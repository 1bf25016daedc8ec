/** Events: domain → proto, with secrets redacted. */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Event, EventSchema, type EventFilter } from "../../../gen/switchyard/v1/event_pb.js";
import type { StoredEvent } from "../../domain/events.js";
import { publicPayload } from "../../domain/secret-fields.js";
import type { EventFilter as StoreEventFilter } from "../../store/store.js";

/** An event as the API shows it. */
export function eventToProto(event: StoredEvent): Event {
  return create(EventSchema, {
    position: event.position,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    sequence: event.sequence,
    type: event.type,
    payload: publicPayload(event),
    resourceOwner: event.resourceOwner,
    creator: event.creator,
    createdAt: timestampFromDate(event.createdAt),
  });
}

/** The store's filter for an API filter. */
export function eventFilterFromProto(filter: EventFilter | undefined): StoreEventFilter {
  return {
    ...(filter?.aggregateType !== undefined ? { aggregateType: filter.aggregateType } : {}),
    ...(filter?.aggregateId !== undefined ? { aggregateId: filter.aggregateId } : {}),
    ...(filter && filter.types.length > 0 ? { types: filter.types } : {}),
  };
}

/** Whether a live event matches a filter (the same rules the store applies). */
export function eventMatches(event: StoredEvent, filter: StoreEventFilter): boolean {
  if (filter.aggregateType !== undefined && event.aggregateType !== filter.aggregateType) return false;
  if (filter.aggregateId !== undefined && event.aggregateId !== filter.aggregateId) return false;
  if (filter.types && !filter.types.includes(event.type)) return false;
  return true;
}
