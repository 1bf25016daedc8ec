/**
 * Counts open streams per principal against a cap. Pure bookkeeping: the
 * caller acquires when a stream opens and releases exactly once when it ends.
 */

/** Open-stream counters keyed by principal. */
export interface StreamSlots {
  /** Takes a slot for `key`; false (and nothing taken) when `key` holds `max` already. */
  acquire(key: string): boolean;
  /** Gives back a slot taken by {@link StreamSlots.acquire}. */
  release(key: string): void;
  /** Streams `key` holds open. */
  open(key: string): number;
}

/** Creates the counters; `max` streams per key (≥ 1). Keys with no open stream take no memory. */
export function createStreamSlots(max: number): StreamSlots {
  if (!(max >= 1)) throw new Error(`the stream cap must be ≥ 1, not ${max}`);
  const counts = new Map<string, number>();
  return {
    acquire(key) {
      const count = counts.get(key) ?? 0;
      if (count >= max) return false;
      counts.set(key, count + 1);
      return true;
    },
    release(key) {
      const count = counts.get(key) ?? 0;
      if (count <= 1) counts.delete(key);
      else counts.set(key, count - 1);
    },
    open: (key) => counts.get(key) ?? 0,
  };
}
