/**
 * The subscribers of a store, shared by every backend: notified after each
 * commit, in registration order, isolated from one another.
 */
import type { Logger } from "pino";
import type { DueDelivery } from "../domain/delivery.js";
import type { StoredEvent } from "../domain/events.js";

/** Registers listeners and notifies them of what a commit wrote. */
export interface Listeners<Item> {
  /** Adds `listener`; answers the function that removes it again. */
  subscribe(listener: (items: readonly Item[]) => void): () => void;
  /**
   * Calls every listener with `items` (skipped when empty). A listener that
   * throws is logged and does not stop the others, nor fail the write.
   */
  notify(items: readonly Item[]): void;
}

/** Listeners to committed events. */
export type EventListeners = Listeners<StoredEvent>;
/** Listeners to deliveries written by committed appends. */
export type DeliveryListeners = Listeners<DueDelivery>;

/** An empty event listener registry. */
export function createEventListeners(logger?: Logger): EventListeners {
  return createListeners(logger, "event listener failed");
}

/** An empty delivery listener registry. */
export function createDeliveryListeners(logger?: Logger): DeliveryListeners {
  return createListeners(logger, "delivery listener failed");
}

function createListeners<Item>(logger: Logger | undefined, failureMessage: string): Listeners<Item> {
  type Listener = (items: readonly Item[]) => void;
  const listeners = new Set<Listener>();
  return {
    subscribe(listener) {
      // Wrapped so that subscribing the same function twice yields two independent subscriptions.
      const entry: Listener = (items) => listener(items);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    notify(items) {
      if (items.length === 0) return;
      for (const listener of [...listeners]) {
        try {
          listener(items);
        } catch (error) {
          logger?.error({ err: error }, failureMessage);
        }
      }
    },
  };
}
