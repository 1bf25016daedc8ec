/**
 * Declarative projection statements: what a projection wants written, in
 * portable SQL, without knowing which backend runs it.
 */
import type { SwitchyardError } from "../../domain/errors.js";

/** A value a statement binds: text, integer (number or bigint) or NULL. */
export type SqlValue = string | number | bigint | null;

/**
 * One SQL statement with `?` placeholders, written in the subset SQLite and
 * PostgreSQL share (no JSON functions, booleans as 0/1, times as epoch ms), so
 * a PostgreSQL backend runs it after rewriting placeholders to `$n`.
 */
export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  /**
   * The error to throw instead when the statement violates a UNIQUE
   * constraint (not the primary key); the whole append then rolls back.
   */
  readonly onUniqueViolation?: () => SwitchyardError;
}

/** What a batch's job counters move by; they always sum to its total. */
export interface BatchCountChange {
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  /** A first start of one of its jobs (epoch ms): the batch runs from then on. */
  readonly startedAt?: number;
}

/**
 * The counters a projection moves besides its rows: how many jobs are in
 * each status, and each batch's job counters. A backend adds them up over a
 * transaction and writes each counter row once before it commits (SQLite:
 * server/store/sqlite/counter-tally.ts), instead of a statement or a trigger
 * per event.
 */
export interface Counters {
  /** A job row appeared in status `to` (`from` undefined) or moved from `from` to `to`. */
  jobStatus(from: string | undefined, to: string): void;
  /** Adds `change` to the job counters of batch `batchId` of `owner`. */
  batch(owner: string, batchId: string, change: BatchCountChange): void;
}
