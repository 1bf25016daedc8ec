/**
 * JSON typed into a textarea, checked before it is sent.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { LocalFieldError } from "./errors.js";

/** Parses `text` (empty: `fallback`), or throws a {@link LocalFieldError} on `field`. */
export function parseJson(text: string, field: string, fallback: JsonValue): JsonValue {
  if (text.trim() === "") return fallback;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new LocalFieldError(field, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Like {@link parseJson}, but the value must be an object. */
export function parseJsonObject(text: string, field: string): JsonObject {
  const value = parseJson(text, field, {});
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new LocalFieldError(field, "must be a JSON object, e.g. {\"orderId\": 42}");
  return value;
}
