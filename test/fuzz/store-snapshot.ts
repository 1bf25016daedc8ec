/**
 * What a rejected request must leave untouched: the last event position (every
 * write appends events), the deliveries by status and the number of targets.
 */
import type { Store } from "../../server/store/store.js";

/** A comparable summary of everything a request could have written. */
export interface StoreSnapshot {
  readonly lastPosition: bigint;
  readonly deliveries: Record<string, number>;
  readonly targets: number;
}

/** Takes the snapshot; `owner` is the resource owner the test client acts for. */
export async function storeSnapshot(store: Store, owner: string): Promise<StoreSnapshot> {
  const [lastPosition, deliveries, targets] = await Promise.all([
    store.lastPosition(),
    store.deliveryCounts(),
    store.listTargets(owner, { page: { offset: 0, limit: 1, asc: true }, sort: "id", filters: [] }),
  ]);
  return { lastPosition, deliveries, targets: targets.total };
}
