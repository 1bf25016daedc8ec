/**
 * Prepared statements by SQL text, so that statements built at run time
 * (filters, projections) are compiled once and reused.
 */
import type Sqlite from "better-sqlite3";

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
