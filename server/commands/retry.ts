import { SwitchyardError } from "../domain/errors.js";
import { createKeyedMutex } from "./keyed-mutex.js";

/**
 * Runs a read-decide-append command again when another writer got in between
 * (`concurrent_modification`), up to `attempts` times. Only used when the
 * client gave no `expected_sequence`: with one, the conflict is the answer.
 */
export async function retryOnConflict<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const conflict = error instanceof SwitchyardError && error.reason === "concurrent_modification";
      if (!conflict || attempt >= attempts) throw error;
    }
  }
}

/**
 * Runs a command on one aggregate: after earlier commands on the same
 * aggregate in this process, and retried on conflicts with other writers
 * unless the client named an `expected_sequence`.
 */
export type AggregateCommandRunner = <T>(aggregateKey: string, run: () => Promise<T>, expectedSequence?: bigint) => Promise<T>;

/** Creates a runner with its own per-aggregate queue. */
export function createAggregateCommandRunner(): AggregateCommandRunner {
  const mutex = createKeyedMutex();
  return (aggregateKey, run, expectedSequence) =>
    mutex.run(aggregateKey, expectedSequence === undefined ? () => retryOnConflict(run) : run);
}
