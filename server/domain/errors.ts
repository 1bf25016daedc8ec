/**
 * The one error type of Switchyard's own code. `kind` decides the Connect code
 * (see api/interceptors/errors.ts), `reason` is a stable, machine-readable id
 * that clients may switch on, and `metadata` carries the facts behind it. The
 * message is for humans and may change.
 */
export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "aborted"
  | "unimplemented"
  | "unauthenticated"
  | "permission_denied"
  | "resource_exhausted"
  | "unavailable"
  | "internal";

/** A domain or infrastructure error with a stable reason. */
export class SwitchyardError extends Error {
  override readonly name = "SwitchyardError";

  constructor(
    readonly kind: ErrorKind,
    readonly reason: string,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `NOT_FOUND` for a resource of `resourceType` with `id`. */
export function notFound(resourceType: string, id: string): SwitchyardError {
  return new SwitchyardError("not_found", `${resourceType}_not_found`, `${resourceType} ${JSON.stringify(id)} not found`, {
    [`${resourceType}_id`]: id,
  });
}

/** `ABORTED` when a mutation's `expected_sequence` does not match the resource's current one. */
export function sequenceMismatch(aggregateType: string, id: string, expected: bigint, actual: bigint): SwitchyardError {
  return new SwitchyardError(
    "aborted",
    "sequence_mismatch",
    `${aggregateType} ${JSON.stringify(id)} is at sequence ${actual}, not the expected ${expected}`,
    { aggregate_type: aggregateType, aggregate_id: id, expected_sequence: String(expected), actual_sequence: String(actual) },
  );
}
