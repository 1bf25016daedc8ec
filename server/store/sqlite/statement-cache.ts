/**
 * Prepared statements by SQL text, so that statements built at run time
 * (filters, projections) are compiled once and reused.
 */
import type Sqlite from "better-sqlite3";

/**
 * `LIMIT` with a bound parameter, for every statement that takes its limit
 * from the caller. SQLite (since 3.46; this build has 3.53) reads the value
 * bound to a bare `LIMIT ?` when it plans the statement, so binding another
 * value — a claim's free places, a page's size, and even the same value again
 * — expires the statement and the next step compiles it anew: ~20 µs more for
 * each claim of jobs (49 against 29 µs for four rows), a few per call for a
 * simple query. The unary plus makes the limit an expression the planner does
 * not read; the plans are the same (EXPLAIN QUERY PLAN of every such
 * statement the tests run, at limits 1 to 1,000).
 */
export const limitParameter = "LIMIT +?";

/** Answers the prepared statement for `sql`, preparing it on first use. */
export type StatementCache = (sql: string) => Sqlite.Statement<unknown[], unknown>;

/**
 * A cache over `db`. Unbounded on purpose: every caller builds its SQL from a
 * fixed set of fragments (parameters are always bound), so the number of
 * distinct texts is small and fixed.
 */
export function createStatementCache(db: Sqlite.Database): StatementCache {
  const statements = new Map<string, Sqlite.Statement<unknown[], unknown>>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare<unknown[], unknown>(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}
