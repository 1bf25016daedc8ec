/**
 * The subscribers of a store, shared by every backend: notified after each
 * commit, in registration order, isolated from one another.
 */
import type { Logger } from "pino";
import type { StoredEvent } from "../domain/events.js";
import type { EventListener } from "./store.js";

/** Registers listeners and notifies them of committed events. */
export interface EventListeners {
  /** Adds `listener`; answers the function that removes it again. */
  subscribe(listener: EventListener): () => void;
  /**
   * Calls every listener with `events` (skipped when empty). A listener that
   * throws is logged and does not stop the others, nor fail the append.
   */
  notify(events: readonly StoredEvent[]): void;
}

/** An empty listener registry. */
export function createEventListeners(logger?: Logger): EventListeners {
  const listeners = new Set<EventListener>();
  return {
    subscribe(listener) {
      // Wrapped so that subscribing the same function twice yields two independent subscriptions.
      const entry: EventListener = (events) => listener(events);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    notify(events) {
      if (events.length === 0) return;
      for (const listener of [...listeners]) {
        try {
          listener(events);
        } catch (error) {
          logger?.error({ err: error }, "event listener failed");
        }
      }
    },
  };
}
