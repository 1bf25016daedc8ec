/** Reads of the delivery outbox. */
import type Sqlite from "better-sqlite3";
import type { Delivery, DeliveryFilter, DeliveryStatus } from "../../domain/delivery.js";
import type { Page, PageQuery } from "../store.js";
import {
  type AttemptRow,
  type DeliveryRow,
  attemptColumns,
  attemptFromRow,
  deliveryColumns,
  deliveryFromRow,
} from "./delivery-rows.js";
import { type PageReader, type Where, direction, jsonList, whereOwner } from "./paging.js";

/** The delivery reads of {@link Store}, synchronous. */
export interface DeliveryQueries {
  listDeliveries(owner: string, filter: DeliveryFilter, page: PageQuery): Page<Delivery>;
  getDelivery(owner: string, id: string): Delivery | undefined;
  nextDueAt(): Date | undefined;
  counts(): Record<DeliveryStatus, number>;
}

/** Delivery reads over `db`. */
export function createDeliveryQueries(db: Sqlite.Database, readPage: PageReader): DeliveryQueries {
  const byId = db.prepare<[string, string], DeliveryRow>(
    `SELECT ${deliveryColumns} FROM deliveries WHERE resource_owner = ? AND id = ?`,
  );
  const attemptsOf = db.prepare<[string], AttemptRow>(
    `SELECT ${attemptColumns} FROM delivery_attempts WHERE delivery_id = ? ORDER BY number`,
  );
  // `status IN (…)` spelled as in the partial index `deliveries_due`, so SQLite can use it.
  const firstUnleasedDue = db
    .prepare<[], bigint>(
      "SELECT next_attempt_at FROM deliveries WHERE status IN ('pending', 'failed') AND lease_owner IS NULL " +
        "ORDER BY next_attempt_at LIMIT 1",
    )
    .pluck();
  // Only pending and failed deliveries are ever leased (a CHECK says so); one is free again when its lease ends.
  const firstLeasedDue = db
    .prepare<[], bigint | null>(
      "SELECT min(max(next_attempt_at, lease_until)) FROM deliveries WHERE lease_owner IS NOT NULL",
    )
    .pluck();
  // Kept by triggers (migration 0011): counting the table itself takes ~0.4 s per million rows.
  const countByStatus = db.prepare<[], { status: DeliveryStatus; count: bigint }>(
    "SELECT status, count FROM status_counts WHERE table_name = 'deliveries'",
  );
  // Each read below is one snapshot, so a delivery and its attempts (or both due times) agree.
  const withAttempts = db.transaction((owner: string, id: string): Delivery | undefined => {
    const row = byId.get(owner, id);
    if (row === undefined) return undefined;
    return { ...deliveryFromRow(row), attempts: attemptsOf.all(id).map(attemptFromRow) };
  });
  const earliestDue = db.transaction((): Date | undefined => {
    const times = [firstUnleasedDue.get(), firstLeasedDue.get()].filter((time) => typeof time === "bigint");
    if (times.length === 0) return undefined;
    return new Date(Number(times.reduce((earliest, time) => (time < earliest ? time : earliest))));
  });

  return {
    listDeliveries: (owner, filter, page) =>
      readPage(
        {
          columns: deliveryColumns,
          from: "deliveries",
          where: deliveryWhere(owner, filter),
          orderBy: `created_at ${direction(page.asc)}, id ${direction(page.asc)}`,
        },
        page,
        deliveryFromRow,
      ),
    getDelivery: (owner, id) => withAttempts(owner, id),
    nextDueAt: () => earliestDue(),
    counts() {
      const counts: Record<DeliveryStatus, number> = { pending: 0, succeeded: 0, failed: 0, dead: 0 };
      for (const row of countByStatus.all()) counts[row.status] = Number(row.count);
      return counts;
    },
  };
}

/** Every set field of `filter` as a condition; an empty `statuses` list selects no status in particular. */
function deliveryWhere(owner: string, filter: DeliveryFilter): Where {
  const where = whereOwner("resource_owner", owner);
  if (filter.targetId !== undefined) where.add("target_id = ?", filter.targetId);
  if (filter.statuses !== undefined && filter.statuses.length > 0) {
    where.add("status IN (SELECT value FROM json_each(?))", jsonList(filter.statuses));
  }
  if (filter.eventPosition !== undefined) where.add("event_position = ?", filter.eventPosition);
  if (filter.jobId !== undefined) where.add("job_id = ?", filter.jobId);
  if (filter.createdFrom !== undefined) where.add("created_at >= ?", filter.createdFrom.getTime());
  if (filter.createdTo !== undefined) where.add("created_at < ?", filter.createdTo.getTime());
  return where.build();
}
