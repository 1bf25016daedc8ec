/**
 * Group commit: appends that arrive during one turn of the event loop are
 * written in a single `BEGIN IMMEDIATE … COMMIT`, each inside its own
 * savepoint (better-sqlite3 turns a transaction function called inside another
 * into a savepoint), so a failing append — a broken expectation, a taken name —
 * rolls back alone and the others commit. The commit is most of an append's
 * cost; a group pays it once. Nothing is acknowledged before its group's COMMIT,
 * and listeners hear of each append after it, in position order.
 */
import type Sqlite from "better-sqlite3";
import type { StoredEvent } from "../../domain/events.js";
import type { AppendRequest } from "../store.js";
import type { Appender } from "./append.js";

interface Pending {
  readonly request: AppendRequest;
  readonly resolve: (events: StoredEvent[]) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly events: StoredEvent[] } | { readonly error: unknown };

export interface GroupCommit {
  /** Queues an append; resolves once its group has committed. */
  append(request: AppendRequest): Promise<StoredEvent[]>;
  /** Writes whatever is queued now (before closing the database). */
  flush(): void;
}

/** Groups the appends of `appendOne` (a transaction function of `db`). */
export function createGroupCommit(
  db: Sqlite.Database,
  appendOne: Appender,
  onCommitted: (events: readonly StoredEvent[]) => void,
): GroupCommit {
  let pending: Pending[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  const writeGroup = db.transaction((group: readonly Pending[]): Outcome[] =>
    group.map((item) => {
      try {
        return { events: appendOne(item.request, new Date()) };
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
      onCommitted(outcome.events);
      item.resolve(outcome.events);
    });
  }

  return {
    append: (request) =>
      new Promise((resolve, reject) => {
        pending.push({ request, resolve, reject });
        scheduled ??= setImmediate(flush);
      }),
    flush,
  };
}
