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

/** A statement read through {@link objectRows}: its rows as objects keyed by its column names. */
export interface ObjectRows<Params extends unknown[], Row> {
  get(...params: Params): Row | undefined;
  all(...params: Params): Row[];
}

const objectRowsOf = new WeakMap<object, ObjectRows<never, unknown>>();

/**
 * `statement` (a SELECT) with its rows read as arrays (`.raw()`) and copied
 * into objects keyed by its column names, in order, in plain JavaScript; kept
 * per statement, so a cached statement gets the same reader each time.
 * better-sqlite3 builds an object row through V8's API one property at a
 * time, interning every column name again for each row: ~4 µs for a `jobs`
 * row of 28 columns. The same keys in the same order give every row one
 * hidden class, and cost a fraction: a claim of four jobs 51–55 against
 * 40–44 µs. (A literal compiled with `new Function` was 1–5 µs faster still,
 * but would stop the server where code generation from strings is disallowed.)
 */
export function objectRows<Params extends unknown[], Row>(statement: Sqlite.Statement<Params, unknown>): ObjectRows<Params, Row> {
  let rows = objectRowsOf.get(statement) as ObjectRows<Params, Row> | undefined;
  if (!rows) {
    const names = statement.columns().map((column) => column.name);
    const raw = statement.raw(true);
    const toRow = (values: readonly unknown[]): Row => {
      const row: Record<string, unknown> = {};
      for (let index = 0; index < names.length; index++) row[names[index]!] = values[index];
      return row as Row;
    };
    rows = {
      get: (...params) => {
        const values = raw.get(...params) as unknown[] | undefined;
        return values === undefined ? undefined : toRow(values);
      },
      all: (...params) => (raw.all(...params) as unknown[][]).map(toRow),
    };
    objectRowsOf.set(statement, rows as ObjectRows<never, unknown>);
  }
  return rows;
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
