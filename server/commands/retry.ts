import { SwitchyardError } from "../domain/errors.js";

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
