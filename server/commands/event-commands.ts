/**
 * Event commands: a client pushes an event, optionally with an idempotency
 * key; a repeated key answers the original event (idempotent-append.ts).
 */
import type { Actor, StoredEvent } from "../domain/events.js";
import { type PushedEvent, decidePushEvent } from "../domain/pushed-event.js";
import type { Store } from "../store/store.js";
import { appendOnce } from "./idempotent-append.js";

const scope = "push_event";

/** Creates the event commands. */
export function createEventCommands(deps: { store: Store }) {
  const { store } = deps;

  return {
    /** Appends a pushed event, or answers the original one for a repeated idempotency key. */
    async pushEvent(actor: Actor, pushed: PushedEvent, idempotencyKey?: string): Promise<StoredEvent> {
      const event = decidePushEvent(pushed);
      return appendOnce(
        store,
        actor,
        { scope, key: idempotencyKey, request: pushed },
        async (claim) => (await store.append({ actor, events: [event], expectations: [], ...(claim ? { idempotency: claim } : {}) }))[0]!,
        (original) => original,
      );
    },
  };
}

export type EventCommands = ReturnType<typeof createEventCommands>;
