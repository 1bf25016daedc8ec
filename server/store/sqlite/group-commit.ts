/**
 * Group commit: writes that arrive during one turn of the event loop —
 * appends, delivery claims, outcomes, redeliveries — are run in a single
 * `BEGIN IMMEDIATE … COMMIT`. The commit is most of a write's cost; a group
 * pays it once. Nothing is acknowledged before its group's COMMIT, and each
 * write's `committed` callback (the listeners of an append) runs after it, in
 * queue order, before that write's promise resolves.
 *
 * A failing write — a broken expectation, a taken name — must roll back alone
 * while the others commit. A savepoint around every write would do that, but
 * a page changed inside a savepoint is first copied to the statement journal,
 * which cost 6–12 % of the store's share of a job (bench:store). Writes
 * rarely fail, so a group first runs without savepoints; when one throws,
 * the whole transaction rolls back and the group runs again with a savepoint
 * around each write (better-sqlite3 turns a transaction function called
 * inside another into one). A write may therefore run twice, so nothing
 * outside the database may happen before its promise resolves, and what it
 * changes in memory must be harmless to repeat: the runner's set of the jobs
 * a claim started is a set; the dispatcher's count of the leases its planner
 * offered since the last commit it heard may count a rerun's offers twice,
 * which only leaves a fresh delivery to its poll instead of leasing it at
 * once — as a write rolled back alone always did.
 *
 * The counters the group's writes moved (a {@link CounterTally}) are written
 * at the end of its transaction. Each transaction starts the tally afresh, so
 * whatever a rolled-back run counted goes with it, and a write rolled back
 * alone to its savepoint takes its own counts back.
 */
import type Sqlite from "better-sqlite3";
import type { CounterTally } from "./counter-tally.js";

/** What the group commit needs of a tally. */
export type TransactionTally = Pick<CounterTally, "mark" | "undo" | "write">;

const noTally: TransactionTally = { mark: () => 0, undo() {}, write() {} };

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

/** Groups the writes to `db`; `tally` is written at the end of each group's transaction. */
export function createGroupCommit(db: Sqlite.Database, tally: TransactionTally = noTally): GroupCommit {
  let pending: Pending[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  /** Thrown out of {@link writeTogether} to roll it back when one of its writes threw `error`. */
  class WriteFailed {
    constructor(readonly error: unknown) {}
  }
  const writeTogether = db.transaction((group: readonly Pending[]): Outcome[] => {
    tally.undo(0);
    const outcomes = group.map((item) => {
      try {
        return { result: item.run() };
      } catch (error) {
        throw new WriteFailed(error);
      }
    });
    tally.write();
    return outcomes;
  });
  const inSavepoint = db.transaction((run: () => unknown): unknown => run());
  const writeEachAlone = db.transaction((group: readonly Pending[]): Outcome[] => {
    tally.undo(0);
    const outcomes = group.map((item) => {
      const mark = tally.mark();
      try {
        return { result: inSavepoint(item.run) };
      } catch (error) {
        tally.undo(mark);
        return { error };
      }
    });
    tally.write();
    return outcomes;
  });

  function writeGroup(group: readonly Pending[]): Outcome[] {
    try {
      return writeTogether.immediate(group);
    } catch (failed) {
      if (!(failed instanceof WriteFailed)) throw failed;
      // A group of one has nothing to keep: its write's error is its outcome.
      if (group.length === 1) return [{ error: failed.error }];
      return writeEachAlone.immediate(group);
    }
  }

  function flush(): void {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    const group = pending;
    pending = [];
    if (group.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = writeGroup(group);
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
