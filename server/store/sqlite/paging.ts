/**
 * Shared pieces of the read queries: WHERE clauses built from filters, and
 * pages read together with their total from one snapshot.
 */
import type Sqlite from "better-sqlite3";
import type { SqlValue } from "../projections/statement.js";
import type { Page, PageQuery } from "../store.js";
import { type StatementCache, limitParameter, objectRows } from "./statement-cache.js";

/** A WHERE clause (without the keyword) and its parameters. */
export interface Where {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/** Collects `AND`-combined conditions; the first is always the owner. */
export function whereOwner(column: string, owner: string): { add(clause: string, value: SqlValue): void; build(): Where } {
  const clauses = [`${column} = ?`];
  const params: SqlValue[] = [owner];
  return {
    add(clause, value) {
      clauses.push(clause);
      params.push(value);
    },
    build: () => ({ sql: clauses.join(" AND "), params }),
  };
}

/** `ASC` or `DESC`. */
export function direction(asc: boolean): "ASC" | "DESC" {
  return asc ? "ASC" : "DESC";
}

/** A JSON array parameter, for `IN (SELECT value FROM json_each(?))` with a fixed SQL text. */
export function jsonList(values: readonly string[]): string {
  return JSON.stringify(values);
}

/** What a page is read from. */
export interface PageSource {
  readonly columns: string;
  readonly from: string;
  readonly where: Where;
  readonly orderBy: string;
}

/** Reads one page of rows and the total that match, mapped by `toItem`. */
export type PageReader = <Row, Item>(source: PageSource, page: PageQuery, toItem: (row: Row) => Item) => Page<Item>;

/** A page reader over `db`; page and total come from one read transaction, so they agree. */
export function createPageReader(db: Sqlite.Database, statements: StatementCache): PageReader {
  const inSnapshot = db.transaction((read: () => unknown) => read());
  return <Row, Item>(source: PageSource, page: PageQuery, toItem: (row: Row) => Item): Page<Item> => {
    const { columns, from, where, orderBy } = source;
    const select = objectRows<unknown[], Row>(
      statements(`SELECT ${columns} FROM ${from} WHERE ${where.sql} ORDER BY ${orderBy} ${limitParameter} OFFSET ?`),
    );
    const count = statements(`SELECT count(*) FROM ${from} WHERE ${where.sql}`).pluck();
    const limit = Math.max(0, Math.trunc(page.limit));
    const offset = Math.max(0, Math.trunc(page.offset));
    return inSnapshot.deferred(() => ({
      items: select.all(...where.params, limit, offset).map(toItem),
      total: Number(count.get(...where.params)),
    })) as Page<Item>;
  };
}
