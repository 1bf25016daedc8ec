/**
 * The `targets` read model: one row per target, written from `target.*`
 * events. `details` of a row come from its last event; `state` starts as the
 * column's default, `active`.
 */
import type { StoredEvent } from "../../domain/events.js";
import { type TargetState, type TargetType, targetNameTaken } from "../../domain/target.js";
import type { SqlValue, Statement } from "./statement.js";

/** The statements that apply a `target.*` event to `targets`; none for other events. */
export function targetStatements(event: StoredEvent): Statement[] {
  switch (event.type) {
    case "target.added":
      return [insertTarget(event)];
    case "target.changed":
      return [updateTarget(event)];
    case "target.disabled":
      return [setState(event, "disabled", String(event.payload.reason))];
    case "target.enabled":
      return [setState(event, "active", null)];
    case "target.removed":
      return [
        { sql: "DELETE FROM targets WHERE resource_owner = ? AND id = ?", params: [event.resourceOwner, event.aggregateId] },
      ];
    default:
      return [];
  }
}

function insertTarget(event: StoredEvent): Statement {
  const payload = event.payload;
  const name = String(payload.name);
  const targetType = payload.targetType as TargetType;
  const createdAt = event.createdAt.getTime();
  return {
    sql:
      "INSERT INTO targets (resource_owner, id, name, endpoint, timeout_ms, target_type, interrupt_on_error, " +
      "payload_type, signing_key, created_at, change_date, sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    params: [
      event.resourceOwner,
      event.aggregateId,
      name,
      String(payload.endpoint),
      Number(payload.timeoutMs),
      targetType.kind,
      interruptOnErrorFlag(targetType),
      String(payload.payloadType),
      String(payload.signingKey),
      createdAt,
      createdAt,
      event.sequence,
    ],
    onUniqueViolation: () => targetNameTaken(name),
  };
}

/** Sets only the columns the event carries, plus the details. */
function updateTarget(event: StoredEvent): Statement {
  const columns = changedColumns(event.payload);
  columns.push(["change_date", event.createdAt.getTime()], ["sequence", event.sequence]);
  const assignments = columns.map(([column]) => `${column} = ?`).join(", ");
  const name = event.payload.name;
  return {
    sql: `UPDATE targets SET ${assignments} WHERE resource_owner = ? AND id = ?`,
    params: [...columns.map(([, value]) => value), event.resourceOwner, event.aggregateId],
    ...(typeof name === "string" ? { onUniqueViolation: () => targetNameTaken(name) } : {}),
  };
}

/** Sets the state and its reason, plus the details. */
function setState(event: StoredEvent, state: TargetState, disabledReason: string | null): Statement {
  return {
    sql: "UPDATE targets SET state = ?, disabled_reason = ?, change_date = ?, sequence = ? WHERE resource_owner = ? AND id = ?",
    params: [state, disabledReason, event.createdAt.getTime(), event.sequence, event.resourceOwner, event.aggregateId],
  };
}

function changedColumns(payload: Record<string, unknown>): [string, SqlValue][] {
  const columns: [string, SqlValue][] = [];
  if (typeof payload.name === "string") columns.push(["name", payload.name]);
  if (typeof payload.endpoint === "string") columns.push(["endpoint", payload.endpoint]);
  if (typeof payload.timeoutMs === "number") columns.push(["timeout_ms", payload.timeoutMs]);
  if (payload.targetType !== undefined) {
    const targetType = payload.targetType as TargetType;
    columns.push(["target_type", targetType.kind], ["interrupt_on_error", interruptOnErrorFlag(targetType)]);
  }
  if (typeof payload.payloadType === "string") columns.push(["payload_type", payload.payloadType]);
  if (typeof payload.signingKey === "string") columns.push(["signing_key", payload.signingKey]);
  if ("previousSigningKey" in payload) {
    columns.push(["previous_signing_key", typeof payload.previousSigningKey === "string" ? payload.previousSigningKey : null]);
  }
  if ("previousSigningKeyExpiresAt" in payload) {
    const expiresAt = payload.previousSigningKeyExpiresAt;
    columns.push(["previous_signing_key_expires_at", typeof expiresAt === "string" ? Date.parse(expiresAt) : null]);
  }
  return columns;
}

function interruptOnErrorFlag(targetType: TargetType): number {
  return targetType.kind !== "async" && targetType.interruptOnError ? 1 : 0;
}
