/**
 * Runs commands on the same aggregate one after another within this process.
 * Without it, concurrent writers of one aggregate all read the same sequence
 * and all but one fail their expectation (and a group commit puts them in the
 * same round), so a hot aggregate burns retries. Other processes still
 * conflict through expectations, which `retryOnConflict` handles.
 */
export interface KeyedMutex {
  /** Runs `task` when every earlier task of `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/** Creates an empty mutex; idle keys hold no memory. */
export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, task) {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
