import { type Details, detailsOf } from "../domain/events.js";
import type { Store } from "../store/store.js";

/**
 * Details of an aggregate's last event, also after it was removed (so an
 * idempotent delete can answer with the original removal); undefined when the
 * aggregate never existed.
 */
export async function lastEventDetails(
  store: Store,
  owner: string,
  aggregateType: string,
  aggregateId: string,
): Promise<Details | undefined> {
  const page = await store.listEvents(owner, { aggregateType, aggregateId }, { offset: 0, limit: 1, asc: false });
  const last = page.items[0];
  return last ? detailsOf(last) : undefined;
}
