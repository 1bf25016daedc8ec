/**
 * The counters projections move (jobs per status in `status_counts`, each
 * batch's job counters in `batches`), added up over a transaction and
 * written once before it commits: one statement per counter row a group
 * touched, instead of a trigger program per job row (migration 0012) and an
 * `UPDATE batches … FROM jobs` per event. Together those were ~15 % of a
 * job's and ~23 % of a batch item's SQL time (bench:store's statements
 * replayed on their own).
 *
 * The group commit (group-commit.ts) writes the tally at the end of each
 * transaction, and forgets what a write counted when that write is rolled
 * back: all of it when the group is run again, one write's part when it
 * fails alone inside its savepoint.
 */
import type Sqlite from "better-sqlite3";
import type { BatchCountChange, Counters } from "../projections/statement.js";

/** What a transaction counted. */
export interface CounterTally extends Counters {
  /** Where the tally stands now, for {@link undo}. */
  mark(): number;
  /** Forgets what was counted since `mark` (0: everything). */
  undo(mark: number): void;
  /** Writes what was counted and starts over; call it inside the transaction that counted it. */
  write(): void;
}

type Entry =
  | { readonly from: string | undefined; readonly to: string }
  | { readonly owner: string; readonly batchId: string; readonly change: BatchCountChange };

interface BatchSum {
  readonly owner: string;
  readonly batchId: string;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  startedAt: number | null;
}

/** A tally over `db`'s `status_counts` (table `jobs`) and `batches`. */
export function createCounterTally(db: Sqlite.Database): CounterTally {
  const addToStatus = db.prepare<[string, number]>(
    "INSERT INTO status_counts (table_name, status, count) VALUES ('jobs', ?, ?) " +
      "ON CONFLICT (table_name, status) DO UPDATE SET count = count + excluded.count",
  );
  // A start moves an accepted batch to running and sets its first start time (a later one leaves both).
  const addToBatch = db.prepare<[number, number, number, number, number | null, number | null, string, string]>(
    "UPDATE batches SET pending = pending + ?, running = running + ?, succeeded = succeeded + ?, failed = failed + ?, " +
      "status = CASE WHEN status = 'accepted' AND ? IS NOT NULL THEN 'running' ELSE status END, " +
      "started_at = coalesce(started_at, ?) WHERE resource_owner = ? AND id = ?",
  );
  let entries: Entry[] = [];

  function write(): void {
    if (entries.length === 0) return;
    const counted = entries;
    entries = [];
    const statuses = new Map<string, number>();
    const batches = new Map<string, BatchSum>();
    for (const entry of counted) {
      if ("to" in entry) {
        statuses.set(entry.to, (statuses.get(entry.to) ?? 0) + 1);
        if (entry.from !== undefined) statuses.set(entry.from, (statuses.get(entry.from) ?? 0) - 1);
        continue;
      }
      const key = `${entry.owner}\0${entry.batchId}`;
      let sum = batches.get(key);
      if (!sum) {
        sum = { owner: entry.owner, batchId: entry.batchId, pending: 0, running: 0, succeeded: 0, failed: 0, startedAt: null };
        batches.set(key, sum);
      }
      const { change } = entry;
      sum.pending += change.pending;
      sum.running += change.running;
      sum.succeeded += change.succeeded;
      sum.failed += change.failed;
      if (change.startedAt !== undefined && (sum.startedAt === null || change.startedAt < sum.startedAt)) {
        sum.startedAt = change.startedAt;
      }
    }
    for (const [status, delta] of statuses) if (delta !== 0) addToStatus.run(status, delta);
    for (const sum of batches.values()) {
      addToBatch.run(sum.pending, sum.running, sum.succeeded, sum.failed, sum.startedAt, sum.startedAt, sum.owner, sum.batchId);
    }
  }

  return {
    jobStatus: (from, to) => void entries.push({ from, to }),
    batch: (owner, batchId, change) => void entries.push({ owner, batchId, change }),
    mark: () => entries.length,
    undo(mark) {
      entries.length = Math.min(entries.length, mark);
    },
    write,
  };
}
