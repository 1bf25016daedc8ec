/**
 * The `executions` read model (one row per condition) and its
 * `execution_elements` index (one row per list element, for the target and
 * include filters), written from `execution.*` events.
 */
import type { Condition } from "../../domain/condition.js";
import type { StoredEvent } from "../../domain/events.js";
import type { ExecutionElement } from "../../domain/execution.js";
import type { Statement } from "./statement.js";

/** The statements that apply an `execution.*` event; none for other events. */
export function executionStatements(event: StoredEvent): Statement[] {
  switch (event.type) {
    case "execution.set":
      return setExecution(event);
    case "execution.removed":
      return [deleteElements(event), deleteExecution(event)];
    default:
      return [];
  }
}

/** Upserts the row (keeping `created_at` of an existing one) and rewrites its elements. */
function setExecution(event: StoredEvent): Statement[] {
  const condition = event.payload.condition as Condition;
  const elements = event.payload.elements as readonly ExecutionElement[];
  const time = event.createdAt.getTime();
  const upsert: Statement = {
    sql:
      "INSERT INTO executions (resource_owner, condition_key, condition_type, condition_scope, condition_name, " +
      "elements, created_at, change_date, sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) " +
      "ON CONFLICT (resource_owner, condition_key) DO UPDATE SET " +
      "elements = excluded.elements, change_date = excluded.change_date, sequence = excluded.sequence",
    params: [
      event.resourceOwner,
      event.aggregateId,
      condition.type,
      condition.scope,
      condition.name,
      JSON.stringify(elements),
      time,
      time,
      event.sequence,
    ],
  };
  return [upsert, deleteElements(event), ...elements.map((element, index) => insertElement(event, element, index))];
}

function insertElement(event: StoredEvent, element: ExecutionElement, position: number): Statement {
  return {
    sql:
      "INSERT INTO execution_elements (resource_owner, condition_key, position, target_id, include_key) " +
      "VALUES (?, ?, ?, ?, ?)",
    params: [
      event.resourceOwner,
      event.aggregateId,
      position,
      element.kind === "target" ? element.targetId : null,
      element.kind === "include" ? element.include : null,
    ],
  };
}

function deleteElements(event: StoredEvent): Statement {
  return {
    sql: "DELETE FROM execution_elements WHERE resource_owner = ? AND condition_key = ?",
    params: [event.resourceOwner, event.aggregateId],
  };
}

function deleteExecution(event: StoredEvent): Statement {
  return {
    sql: "DELETE FROM executions WHERE resource_owner = ? AND condition_key = ?",
    params: [event.resourceOwner, event.aggregateId],
  };
}
