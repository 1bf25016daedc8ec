/**
 * Event payload fields that hold secrets (signing keys), by aggregate type:
 * sealed at rest by the store, and never shown outside the server — not by
 * ListEvents or WatchEvents, and not in event deliveries, or a target bound to
 * `group target` would receive every other target's key.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import type { StoredEvent } from "./events.js";
import { targetSecretFields } from "./target.js";

/** Payload fields that hold secrets, by aggregate type. */
export const secretFieldsByAggregate: Readonly<Record<string, readonly string[]>> = { target: targetSecretFields };

/** The secret fields of an aggregate type's events; none for any other type ("constructor" included). */
export function secretFieldsOf(aggregateType: string): readonly string[] {
  return Object.hasOwn(secretFieldsByAggregate, aggregateType) ? secretFieldsByAggregate[aggregateType]! : [];
}

/** The payload as it may leave the server: secret fields replaced by "[redacted]". */
export function publicPayload(event: StoredEvent): JsonObject {
  const payload = event.payload as JsonObject;
  const secrets = secretFieldsOf(event.aggregateType).filter((field) => field in payload);
  if (secrets.length === 0) return payload;
  return { ...payload, ...Object.fromEntries(secrets.map((field) => [field, "[redacted]"])) };
}
