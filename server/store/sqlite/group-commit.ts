/**
 * Group commit: writes that arrive during one turn of the event loop —
 * appends, delivery claims, outcomes, redeliveries — are run in a single
 * `BEGIN IMMEDIATE … COMMIT`, each inside its own savepoint (better-sqlite3
 * turns a transaction function called inside another into a savepoint), so a
 * failing write — a broken expectation, a taken name — rolls back alone and
 * the others commit. The commit is most of a write's cost; a group pays it
 * once. Nothing is acknowledged before its group's COMMIT, and each write's
 * `committed` callback (the listeners of an append) runs after it, in queue
 * order, before that write's promise resolves.
 */
import type Sqlite from "better-sqlite3";

interface Pending {
  readonly run: () => unknown;
  readonly committed: ((result: unknown) => void) | undefined;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly result: unknown } | { readonly error: unknown };

export interface GroupCommit {
  /**
   * Queues `run`, a synchronous write, for the current group; resolves with
   * what it answered once the group has committed, right after `committed`
   * was called with it. When `run` throws, what it wrote is rolled back, the
   * others in the group still commit, and the promise rejects.
   */
  write<T>(run: () => T, committed?: (result: T) => void): Promise<T>;
  /** Writes whatever is queued now (before closing the database). */
  flush(): void;
}

/** Groups the writes to `db`. */
export function createGroupCommit(db: Sqlite.Database): GroupCommit {
  let pending: Pending[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  const inSavepoint = db.transaction((run: () => unknown): unknown => run());
  const writeGroup = db.transaction((group: readonly Pending[]): Outcome[] =>
    group.map((item) => {
      try {
        return { result: inSavepoint(item.run) };
      } catch (error) {
        return { error };
      }
    }),
  );

  function flush(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    const group = pending;
    pending = [];
    if (group.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = writeGroup.immediate(group);
    } catch (error) {
      // The group's own BEGIN or COMMIT failed (e.g. SQLITE_BUSY): nothing was written.
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if ("error" in outcome) return item.reject(outcome.error);
      item.committed?.(outcome.result);
      item.resolve(outcome.result);
    });
  }

  return {
    write: <T>(run: () => T, committed?: (result: T) => void) =>
      new Promise<T>((resolve, reject) => {
        pending.push({
          run,
          committed: committed as ((result: unknown) => void) | undefined,
          resolve: resolve as (result: unknown) => void,
          reject,
        });
        scheduled ??= setImmediate(flush);
      }),
    flush,
  };
}
