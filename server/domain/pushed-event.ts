/**
 * Events that clients push. They live beside the system's own events and
 * trigger event executions the same way, so they may neither use a system
 * type prefix nor write into a system aggregate (which would corrupt its
 * sequence and projections).
 */
import { createHash } from "node:crypto";
import { SwitchyardError } from "./errors.js";
import { type NewEvent, systemAggregateTypes, systemEventPrefixes } from "./events.js";
import { requireJsonDepth } from "./json-depth.js";

/** Largest pushed payload, as JSON in UTF-8. */
export const maxPushedPayloadBytes = 256 * 1024;

export interface PushedEvent {
  readonly type: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly payload: Record<string, unknown>;
}

/** The event to append for a push, or INVALID_ARGUMENT naming the broken rule. */
export function decidePushEvent(pushed: PushedEvent): NewEvent {
  const prefix = systemEventPrefixes.find((reserved) => pushed.type.startsWith(reserved));
  if (prefix) {
    throw new SwitchyardError("invalid_argument", "reserved_event_type", `event types starting with "${prefix}" are the system's`, {
      type: pushed.type,
    });
  }
  if ((systemAggregateTypes as readonly string[]).includes(pushed.aggregateType)) {
    throw new SwitchyardError(
      "invalid_argument",
      "reserved_aggregate_type",
      `aggregate type "${pushed.aggregateType}" is the system's`,
      { aggregate_type: pushed.aggregateType },
    );
  }
  const size = Buffer.byteLength(JSON.stringify(pushed.payload));
  if (size > maxPushedPayloadBytes) {
    throw new SwitchyardError(
      "invalid_argument",
      "payload_too_large",
      `payload is ${size} bytes of JSON; at most ${maxPushedPayloadBytes} are accepted`,
      { size: String(size), limit: String(maxPushedPayloadBytes) },
    );
  }
  requireJsonDepth(pushed.payload, "payload");
  return { aggregateType: pushed.aggregateType, aggregateId: pushed.aggregateId, type: pushed.type, payload: pushed.payload };
}

/** A hash of the request that ignores object key order, to tell a retry from a different request. */
export function requestHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("base64url");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
