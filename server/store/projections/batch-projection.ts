/**
 * The `batches` read model, written from `batch.*` events: the batch's spec,
 * its status and its details. Its job counters are kept by the job projection
 * (a batch's jobs are separate aggregates), and move no details.
 */
import type { StoredEvent } from "../../domain/events.js";
import type { BatchSpec } from "../../domain/job.js";
import type { Statement } from "./statement.js";

/** The statements that apply a `batch.*` event to `batches`; none for other events. */
export function batchStatements(event: StoredEvent): Statement[] {
  switch (event.type) {
    case "batch.accepted":
      return [insertBatch(event)];
    case "batch.completed":
      return [completeBatch(event)];
    default:
      return [];
  }
}

/** A new batch: accepted, every job pending. */
function insertBatch(event: StoredEvent): Statement {
  const spec = event.payload as unknown as BatchSpec;
  const time = event.createdAt.getTime();
  return {
    sql:
      "INSERT INTO batches (resource_owner, id, total, callback_url, idempotency_key, include_result_schema, status, " +
      "pending, running, succeeded, failed, created_at, sequence, change_date) " +
      "VALUES (?, ?, ?, ?, ?, ?, 'accepted', ?, 0, 0, 0, ?, ?, ?)",
    params: [
      event.resourceOwner,
      event.aggregateId,
      spec.total,
      spec.callbackUrl ?? null,
      spec.idempotencyKey ?? null,
      spec.includeResultSchema ? 1 : 0,
      spec.total,
      time,
      event.sequence,
      time,
    ],
  };
}

/** The final status (`succeeded`, `partially_failed`, `failed` or `cancelled`). */
function completeBatch(event: StoredEvent): Statement {
  const time = event.createdAt.getTime();
  return {
    sql: "UPDATE batches SET status = ?, completed_at = ?, sequence = ?, change_date = ? WHERE resource_owner = ? AND id = ?",
    params: [String(event.payload.status), time, event.sequence, time, event.resourceOwner, event.aggregateId],
  };
}
