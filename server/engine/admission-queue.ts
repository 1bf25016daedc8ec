/**
 * Admission: callers that want a place the pool does not have now wait for
 * one, first come first served, for up to `waitMs`. `serve()` hands places
 * out as they free up; a caller whose wait ends without one gets `undefined`
 * (and `gaveUp` runs), one whose signal aborts first is rejected with its
 * reason.
 */
export interface AdmissionQueue<Request, Place> {
  /** A place at once when none wait ahead and `tryTake` gives one; else waits for one (at most `waitMs`; 0: no wait). */
  take(request: Request, signal?: AbortSignal): Promise<Place | undefined>;
  /** Whether callers wait: nobody should take a place ahead of them. */
  waiting(): boolean;
  /** Hands the places `tryTake` gives to the callers waiting longest. */
  serve(): void;
  /** Ends every wait without a place. */
  clear(): void;
  readonly size: number;
}

interface Waiter<Request, Place> {
  readonly request: Request;
  settle(place: Place | undefined): void;
}

export function createAdmissionQueue<Request, Place>(options: {
  readonly waitMs: number;
  /** A place for `request` when one is free now. */
  tryTake(request: Request): Place | undefined;
  /** Runs when a caller goes on without a place (no wait, or the wait ran out). */
  gaveUp?(): void;
}): AdmissionQueue<Request, Place> {
  const waiters: Waiter<Request, Place>[] = [];

  function remove(waiter: Waiter<Request, Place>): void {
    const index = waiters.indexOf(waiter);
    if (index >= 0) waiters.splice(index, 1);
  }

  return {
    take(request, signal) {
      signal?.throwIfAborted();
      const place = waiters.length > 0 ? undefined : options.tryTake(request);
      if (place !== undefined) return Promise.resolve(place);
      if (options.waitMs <= 0) {
        options.gaveUp?.();
        return Promise.resolve(undefined);
      }
      return new Promise<Place | undefined>((resolve, reject) => {
        const waiter: Waiter<Request, Place> = {
          request,
          settle(place) {
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
            resolve(place);
          },
        };
        const timer = setTimeout(() => {
          remove(waiter);
          options.gaveUp?.();
          waiter.settle(undefined);
        }, options.waitMs);
        const onAbort = () => {
          remove(waiter);
          clearTimeout(timer);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
      });
    },
    waiting: () => waiters.length > 0,
    serve() {
      while (waiters.length > 0) {
        const place = options.tryTake(waiters[0]!.request);
        if (place === undefined) return;
        waiters.shift()!.settle(place);
      }
    },
    clear() {
      for (const waiter of waiters.splice(0)) waiter.settle(undefined);
    },
    get size() {
      return waiters.length;
    },
  };
}
