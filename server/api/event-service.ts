/** EventService: list and watch the event store. PushEvent lands with event executions. */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  EventService,
  ListEventsResponseSchema,
  PushEventResponseSchema,
  WatchEventsResponseSchema,
} from "../../gen/switchyard/v1/event_pb.js";
import type { EventCommands } from "../commands/event-commands.js";
import type { StoredEvent } from "../domain/events.js";
import { SwitchyardError } from "../domain/errors.js";
import type { Store } from "../store/store.js";
import { QueueOverflowError, createAsyncQueue } from "./async-queue.js";
import { actorOf } from "./context.js";
import { idempotencyKeyOf } from "./idempotency-key.js";
import { pageFromProto, paginationToProto, positionFromProto, timeRangeFromProto } from "./mappers/common.js";
import { eventFilterFromProto, eventMatches, eventToProto } from "./mappers/event-mapper.js";

export interface EventServiceDeps {
  readonly store: Store;
  readonly commands: EventCommands;
  /** Aborts when the server shuts down: open watches then end cleanly. */
  readonly shutdownSignal: AbortSignal;
  /** Live events a watcher may fall behind by before its stream fails (default 10,000). */
  readonly watchBufferLimit?: number;
}

const replayPageSize = 500;

/** Creates the EventService implementation. */
export function createEventService(deps: EventServiceDeps): ServiceImpl<typeof EventService> {
  const { store, shutdownSignal } = deps;
  const bufferLimit = deps.watchBufferLimit ?? 10_000;

  return {
    async listEvents(request, context) {
      const filter = {
        ...eventFilterFromProto(request.filter),
        ...(request.fromPosition !== undefined ? { fromPosition: positionFromProto(request.fromPosition) } : {}),
        ...timeRangeFromProto(request.created),
      };
      const page = pageFromProto(request.pagination);
      const result = await store.listEvents(actorOf(context).resourceOwner, filter, page);
      return create(ListEventsResponseSchema, {
        pagination: paginationToProto(result, page),
        events: result.items.map(eventToProto),
      });
    },

    /**
     * Subscribes first, then replays from the store, then drains the live
     * queue skipping what the replay already sent: no gap and no duplicate
     * across the switch, because every committed event is in the store, the
     * queue, or both.
     */
    async *watchEvents(request, context) {
      const owner = actorOf(context).resourceOwner;
      const filter = eventFilterFromProto(request.filter);
      const queue = createAsyncQueue<StoredEvent>(bufferLimit);
      const unsubscribe = store.subscribe((events) => {
        for (const event of events) if (event.resourceOwner === owner && eventMatches(event, filter)) queue.push(event);
      });
      const signal = AbortSignal.any([context.signal, shutdownSignal]);
      try {
        const from = request.fromPosition !== undefined ? positionFromProto(request.fromPosition) : undefined;
        let last = from !== undefined ? from - 1n : await store.lastPosition();
        if (from !== undefined) {
          for (;;) {
            const replay = await store.readEventsAfter(owner, last, filter, replayPageSize);
            for (const event of replay) {
              yield create(WatchEventsResponseSchema, { event: eventToProto(event) });
              last = event.position;
            }
            if (replay.length < replayPageSize || signal.aborted) break;
          }
        }
        for await (const event of queue.drain(signal)) {
          if (event.position <= last) continue;
          yield create(WatchEventsResponseSchema, { event: eventToProto(event) });
          last = event.position;
        }
      } catch (error) {
        if (error instanceof QueueOverflowError) {
          throw new SwitchyardError(
            "resource_exhausted",
            "watch_too_slow",
            `the stream fell more than ${bufferLimit} events behind; watch again from a position`,
            { limit: String(bufferLimit) },
          );
        }
        throw error;
      } finally {
        unsubscribe();
      }
    },

    async pushEvent(request, context) {
      const key = idempotencyKeyOf(request.idempotencyKey, context.requestHeader);
      const stored = await deps.commands.pushEvent(
        actorOf(context),
        {
          type: request.type,
          aggregateType: request.aggregateType,
          aggregateId: request.aggregateId,
          payload: request.payload ?? {},
        },
        key,
      );
      return create(PushEventResponseSchema, { event: eventToProto(stored) });
    },
  };
}
