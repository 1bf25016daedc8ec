/**
 * Appending under an idempotency key, for PushEvent, ExecuteJob and
 * ExecuteBatch: the same key with the same request answers what the key
 * produced the first time, never a second write, also when duplicates race;
 * the same key with another request is ALREADY_EXISTS `idempotency_key_reused`.
 */
import { SwitchyardError } from "../domain/errors.js";
import type { Actor, StoredEvent } from "../domain/events.js";
import { requestHash } from "../domain/pushed-event.js";
import type { IdempotencyClaim, Store } from "../store/store.js";

/**
 * Runs `write` once per key: with the claim to record in its append when
 * `key` is set, without one when it is not. A key seen before answers
 * `fromEvent` of the first event its append wrote. Only keyed requests are
 * hashed (a batch's hash covers all of its items).
 */
export async function appendOnce<T>(
  store: Pick<Store, "getIdempotencyRecord" | "getEvent">,
  actor: Actor,
  keyed: { readonly scope: string; readonly key: string | undefined; readonly request: unknown },
  write: (claim?: IdempotencyClaim) => Promise<T>,
  fromEvent: (event: StoredEvent) => T,
): Promise<T> {
  const { scope, key } = keyed;
  if (key === undefined) return write();
  const hash = requestHash(keyed.request);

  const original = async (): Promise<T | undefined> => {
    const record = await store.getIdempotencyRecord(actor.resourceOwner, scope, key);
    if (!record) return undefined;
    if (record.requestHash !== hash) {
      throw new SwitchyardError("already_exists", "idempotency_key_reused", `idempotency key ${JSON.stringify(key)} was used for a different request`, {
        idempotency_key: key,
      });
    }
    const event = await store.getEvent(actor.resourceOwner, record.position);
    if (!event) throw new SwitchyardError("internal", "idempotency_record_dangling", "idempotency record without its event");
    return fromEvent(event);
  };

  const earlier = await original();
  if (earlier !== undefined) return earlier;
  try {
    return await write({ scope, key, requestHash: hash });
  } catch (error) {
    // A duplicate raced this one and won: answer what it wrote.
    if (!(error instanceof SwitchyardError && error.reason === "idempotency_key_taken")) throw error;
    return (await original())!;
  }
}
