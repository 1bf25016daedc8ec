/**
 * How deep client JSON (event payloads, job inputs) may nest. On the wire each
 * JSON level is two protobuf messages (a Value holding a Struct or ListValue),
 * and protobuf runtimes refuse to decode messages nested more than 100 deep
 * (protobuf-es, protobufjs, C++, Java), so deeper JSON could be stored but
 * never read back by a binary client: every listing that held it would fail.
 */
import { SwitchyardError } from "./errors.js";

/** Deepest JSON accepted from clients: `{"a": 1}` is 1, `{"a": [1]}` is 2. */
export const maxJsonDepth = 32;

/** The nesting depth of a JSON value; scalars are 0. Iterative, so no input exhausts the stack. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** INVALID_ARGUMENT `json_too_deep` when `value` (the request's `field`) nests deeper than {@link maxJsonDepth}. */
export function requireJsonDepth(value: unknown, field: string): void {
  const depth = jsonDepth(value);
  if (depth <= maxJsonDepth) return;
  throw new SwitchyardError(
    "invalid_argument",
    "json_too_deep",
    `${field} nests ${depth} levels deep; at most ${maxJsonDepth} are accepted`,
    { field, depth: String(depth), limit: String(maxJsonDepth) },
  );
}
