/** Reads of the event log. */
import type Sqlite from "better-sqlite3";
import { type StoredEvent, storedEvent } from "../../domain/events.js";
import { openEventSecrets } from "../secrets/event-secrets.js";
import type { SecretBox } from "../secrets/secret-box.js";
import type { EventFilter, Page, PageQuery } from "../store.js";
import { type PageReader, type Where, direction, jsonList, whereOwner } from "./paging.js";
import { type StatementCache, limitParameter, objectRows } from "./statement-cache.js";

/** The event reads of {@link Store}, synchronous. */
export interface EventQueries {
  aggregateSequence(owner: string, aggregateType: string, aggregateId: string): bigint;
  listEvents(owner: string, filter: EventFilter, page: PageQuery): Page<StoredEvent>;
  readEventsAfter(owner: string, afterPosition: bigint, filter: EventFilter, limit: number): StoredEvent[];
  lastPosition(): bigint;
  getEvent(owner: string, position: bigint): StoredEvent | undefined;
}

/** An `events` row as better-sqlite3 answers it. */
export interface EventRow {
  readonly position: bigint;
  readonly resource_owner: string;
  readonly aggregate_type: string;
  readonly aggregate_id: string;
  readonly sequence: bigint;
  readonly type: string;
  readonly payload: string;
  readonly creator: string;
  readonly created_at: bigint;
}

/** Every column of `events`, in {@link EventRow}'s order. */
export const eventColumns =
  "position, resource_owner, aggregate_type, aggregate_id, sequence, type, payload, creator, created_at";

/** Event reads over `db`; secret payload fields are opened with `secrets`. */
export function createEventQueries(
  db: Sqlite.Database,
  statements: StatementCache,
  readPage: PageReader,
  secrets: SecretBox,
): EventQueries {
  const aggregateSequence = db
    .prepare<[string, string, string], bigint>(
      "SELECT coalesce(max(sequence), 0) FROM events WHERE resource_owner = ? AND aggregate_type = ? AND aggregate_id = ?",
    )
    .pluck();
  const lastPosition = db.prepare<[], bigint>("SELECT coalesce(max(position), 0) FROM events").pluck();
  const byPosition = db.prepare<[string, bigint], EventRow>(
    `SELECT ${eventColumns} FROM events WHERE resource_owner = ? AND position = ?`,
  );

  return {
    aggregateSequence: (owner, aggregateType, aggregateId) =>
      aggregateSequence.get(owner, aggregateType, aggregateId) ?? 0n,
    lastPosition: () => lastPosition.get() ?? 0n,
    getEvent(owner, position) {
      const row = byPosition.get(owner, position);
      return row === undefined ? undefined : eventFromRow(row, secrets);
    },
    listEvents: (owner, filter, page) =>
      readPage(
        { columns: eventColumns, from: "events", where: eventWhere(owner, filter), orderBy: `position ${direction(page.asc)}` },
        page,
        (row: EventRow) => eventFromRow(row, secrets),
      ),
    readEventsAfter(owner, afterPosition, filter, limit) {
      const where = eventWhere(owner, filter);
      const rows = objectRows<unknown[], EventRow>(
        statements(`SELECT ${eventColumns} FROM events WHERE ${where.sql} AND position > ? ORDER BY position ASC ${limitParameter}`),
      ).all(...where.params, afterPosition, Math.max(0, Math.trunc(limit)));
      return rows.map((row) => eventFromRow(row, secrets));
    },
  };
}

/** Every set field of `filter` as a condition; an empty `types` list selects no type in particular. */
function eventWhere(owner: string, filter: EventFilter): Where {
  const where = whereOwner("resource_owner", owner);
  if (filter.aggregateType !== undefined) where.add("aggregate_type = ?", filter.aggregateType);
  if (filter.aggregateId !== undefined) where.add("aggregate_id = ?", filter.aggregateId);
  if (filter.types !== undefined && filter.types.length > 0) {
    where.add("type IN (SELECT value FROM json_each(?))", jsonList(filter.types));
  }
  if (filter.fromPosition !== undefined) where.add("position >= ?", filter.fromPosition);
  if (filter.createdFrom !== undefined) where.add("created_at >= ?", filter.createdFrom.getTime());
  if (filter.createdTo !== undefined) where.add("created_at < ?", filter.createdTo.getTime());
  return where.build();
}

/** The stored event of `row`, its payload parsed and its secret fields opened with `secrets`. */
export function eventFromRow(row: EventRow, secrets: SecretBox): StoredEvent {
  const owner = row.resource_owner;
  const aggregate = { resourceOwner: owner, aggregateType: row.aggregate_type, aggregateId: row.aggregate_id };
  const payload = openEventSecrets(secrets, aggregate, JSON.parse(row.payload) as Record<string, unknown>);
  const event = { aggregateType: row.aggregate_type, aggregateId: row.aggregate_id, type: row.type, payload };
  return storedEvent(event, row.position, row.sequence, owner, row.creator, new Date(Number(row.created_at)));
}
