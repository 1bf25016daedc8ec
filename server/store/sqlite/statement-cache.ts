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

/**
 * Turns rows read as arrays (a statement in `.raw()` mode) into objects keyed
 * by `columns` (a comma-separated list, in the statement's column order).
 * better-sqlite3 builds an object row through V8's API one property at a
 * time, interning every column name again for each row: ~4 µs for a `jobs`
 * row of 28 columns. An array copied into an object in plain JavaScript (the
 * same keys in the same order, so every row shares one hidden class) costs a
 * fraction: a claim of four jobs 51–55 against 40–44 µs. A literal compiled
 * with `new Function` was 1–5 µs faster still, but would stop the server where
 * code generation from strings is disallowed.
 */
export function rowReader<Row>(columns: string): (values: readonly unknown[]) => Row {
  // A column qualified by its table (`e.created_at`) is keyed by its name alone, as better-sqlite3 keys it.
  const names = columns.split(",").map((name) => name.trim().replace(/^[a-z_]+\./, ""));
  return (values) => {
    const row: Record<string, unknown> = {};
    for (let index = 0; index < names.length; index++) row[names[index]!] = values[index];
    return row as Row;
  };
}

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
