/**
 * Event commands: a client pushes an event, optionally with an idempotency
 * key. Same key and same request → the original event, never a second one,
 * also when duplicates race; same key and another request → ALREADY_EXISTS,
 * reason `idempotency_key_reused`.
 */
import { SwitchyardError } from "../domain/errors.js";
import type { Actor, StoredEvent } from "../domain/events.js";
import { type PushedEvent, decidePushEvent, requestHash } from "../domain/pushed-event.js";
import type { Store } from "../store/store.js";

const scope = "push_event";

/** Creates the event commands. */
export function createEventCommands(deps: { store: Store }) {
  const { store } = deps;

  /** The original event of a key, or the refusal of a different request under it. */
  async function original(actor: Actor, key: string, hash: string): Promise<StoredEvent | undefined> {
    const record = await store.getIdempotencyRecord(actor.resourceOwner, scope, key);
    if (!record) return undefined;
    if (record.requestHash !== hash) {
      throw new SwitchyardError(
        "already_exists",
        "idempotency_key_reused",
        `idempotency key ${JSON.stringify(key)} was used for a different request`,
        { idempotency_key: key },
      );
    }
    const event = await store.getEvent(actor.resourceOwner, record.position);
    if (!event) throw new SwitchyardError("internal", "idempotency_record_dangling", "idempotency record without its event");
    return event;
  }

  return {
    /** Appends a pushed event, or answers the original one for a repeated idempotency key. */
    async pushEvent(actor: Actor, pushed: PushedEvent, idempotencyKey?: string): Promise<StoredEvent> {
      const event = decidePushEvent(pushed);
      if (idempotencyKey === undefined) {
        const [stored] = await store.append({ actor, events: [event], expectations: [] });
        return stored!;
      }
      const hash = requestHash(pushed);
      const earlier = await original(actor, idempotencyKey, hash);
      if (earlier) return earlier;
      try {
        const [stored] = await store.append({
          actor,
          events: [event],
          expectations: [],
          idempotency: { scope, key: idempotencyKey, requestHash: hash },
        });
        return stored!;
      } catch (error) {
        // A duplicate raced us and won: answer what it wrote.
        if (!(error instanceof SwitchyardError && error.reason === "idempotency_key_taken")) throw error;
        return (await original(actor, idempotencyKey, hash))!;
      }
    },
  };
}

export type EventCommands = ReturnType<typeof createEventCommands>;
