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
