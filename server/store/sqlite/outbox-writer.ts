/**
 * Writing new deliveries to the outbox, inside an append's transaction: those
 * the delivery planner adds for each event, and those the append names.
 */
import type Sqlite from "better-sqlite3";
import type { DeliveryPlanner, DueDelivery, NewDelivery } from "../../domain/delivery.js";
import type { StoredEvent } from "../../domain/events.js";
import { type DeliveryRow, deliveryColumns, dueFromRow } from "./delivery-rows.js";
import type { SecretBox } from "../secrets/secret-box.js";
import { type EventRow, eventColumns, eventFromRow } from "./events-queries.js";

export interface OutboxWriter {
  /** The planner asked for every appended event; `undefined` removes it. */
  setPlanner(planner: DeliveryPlanner | undefined): void;
  /** Writes the deliveries the planner decides for `event` (nothing without a planner); answers them ready to attempt. */
  plan(event: StoredEvent): DueDelivery[];
  /**
   * Writes `deliveries` of `owner` created at `createdAt`; answers them ready
   * to attempt. An event delivery's event is looked up in `appended` first.
   */
  write(owner: string, deliveries: readonly NewDelivery[], createdAt: Date, appended: readonly StoredEvent[]): DueDelivery[];
}

/** An outbox writer over `db`, without a planner; `secrets` opens the events it reads. Call it inside a transaction. */
export function createOutboxWriter(db: Sqlite.Database, secrets: SecretBox): OutboxWriter {
  const namedValues = deliveryColumns
    .split(",")
    .map((column) => `@${column.trim()}`)
    .join(", ");
  const insert = db.prepare<[DeliveryRow]>(`INSERT INTO deliveries (${deliveryColumns}) VALUES (${namedValues})`);
  const eventAt = db.prepare<[bigint, string], EventRow>(
    `SELECT ${eventColumns} FROM events WHERE position = ? AND resource_owner = ?`,
  );
  let planner: DeliveryPlanner | undefined;

  const insertOne = (owner: string, delivery: NewDelivery, createdAt: Date): DeliveryRow => {
    const row = newRow(owner, delivery, createdAt.getTime());
    insert.run(row);
    return row;
  };

  return {
    setPlanner(next) {
      planner = next;
    },
    plan(event) {
      if (!planner) return [];
      return planner(event).map((planned) => {
        const row = insertOne(event.resourceOwner, { ...planned, eventPosition: event.position }, event.createdAt);
        return dueFromRow(row, event);
      });
    },
    write(owner, deliveries, createdAt, appended) {
      return deliveries.map((explicit) => {
        const row = insertOne(owner, explicit, createdAt);
        const position = explicit.eventPosition;
        const event =
          position === undefined
            ? undefined
            : (appended.find((candidate) => candidate.position === position) ?? optionalEvent(eventAt.get(position, owner), secrets));
        return dueFromRow(row, event);
      });
    },
  };
}

/** A new delivery's row: pending, due at once (a lease keeps others from claiming it), version 1. */
function newRow(owner: string, delivery: NewDelivery, createdAt: number): DeliveryRow {
  const at = BigInt(createdAt);
  return {
    id: delivery.id,
    resource_owner: owner,
    kind: delivery.kind,
    target_id: delivery.targetId ?? null,
    endpoint: delivery.endpoint,
    event_position: delivery.eventPosition ?? null,
    job_id: delivery.jobId ?? null,
    batch_id: delivery.batchId ?? null,
    body: delivery.body ?? null,
    status: "pending",
    attempt_count: 0n,
    round_attempts: 0n,
    next_attempt_at: at,
    lease_owner: delivery.lease?.owner ?? null,
    lease_until: delivery.lease ? BigInt(delivery.lease.until.getTime()) : null,
    created_at: at,
    updated_at: at,
    version: 1n,
  };
}

function optionalEvent(row: EventRow | undefined, secrets: SecretBox): StoredEvent | undefined {
  return row === undefined ? undefined : eventFromRow(row, secrets);
}
