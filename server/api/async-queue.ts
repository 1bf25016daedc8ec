/**
 * A bounded queue that a synchronous producer fills and an async consumer
 * drains, ending when a signal aborts. Used to tail live events into streams.
 */

/** Thrown by `next` when the producer outran the consumer by more than the limit. */
export class QueueOverflowError extends Error {
  override readonly name = "QueueOverflowError";
}

export interface AsyncQueue<T> {
  /** Adds an item; past the limit the queue fails its consumer instead of growing without bound. */
  push(item: T): void;
  /** Iterates until `signal` aborts. */
  drain(signal: AbortSignal): AsyncGenerator<T>;
}

/** Creates a queue holding at most `limit` undelivered items. */
export function createAsyncQueue<T>(limit: number): AsyncQueue<T> {
  const items: T[] = [];
  let overflowed = false;
  let wake: (() => void) | undefined;
  return {
    push(item) {
      if (items.length >= limit) overflowed = true;
      else items.push(item);
      wake?.();
    },
    async *drain(signal) {
      const onAbort = () => wake?.();
      signal.addEventListener("abort", onAbort);
      try {
        while (!signal.aborted) {
          if (overflowed) throw new QueueOverflowError(`more than ${limit} items waiting`);
          const item = items.shift();
          if (item !== undefined) {
            yield item;
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    },
  };
}

/**
 * "Something changed": a flag a synchronous producer raises and an async
 * consumer waits for. Raises while the consumer is busy fold into one, so a
 * consumer that re-reads state on each change reads once per burst, not once
 * per raise — and always once after the last raise.
 */
export interface ChangeSignal {
  raise(): void;
  /** Yields once for every burst of raises, until `signal` aborts. */
  changes(signal: AbortSignal): AsyncGenerator<void>;
}

/** Creates a change signal, not raised yet. */
export function createChangeSignal(): ChangeSignal {
  // A queue holding at most the one change not taken yet: raises while it waits add nothing.
  const queue = createAsyncQueue<true>(1);
  let waiting = false;
  return {
    raise() {
      if (waiting) return;
      waiting = true;
      queue.push(true);
    },
    async *changes(signal) {
      for await (const _ of queue.drain(signal)) {
        waiting = false;
        yield;
      }
    },
  };
}
