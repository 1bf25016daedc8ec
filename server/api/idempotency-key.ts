/**
 * The idempotency key of a request: the message field, or the
 * `Idempotency-Key` header (gRPC metadata too). Both, different → INVALID_ARGUMENT.
 */
import { SwitchyardError } from "../domain/errors.js";

const maxKeyLength = 200;

/** The key to use, if any. */
export function idempotencyKeyOf(field: string | undefined, headers: Headers): string | undefined {
  const header = headers.get("idempotency-key") ?? undefined;
  if (header !== undefined && (header.length === 0 || header.length > maxKeyLength)) {
    throw new SwitchyardError("invalid_argument", "invalid_idempotency_key", `the Idempotency-Key header must be 1..${maxKeyLength} characters`);
  }
  if (field !== undefined && header !== undefined && field !== header) {
    throw new SwitchyardError(
      "invalid_argument",
      "conflicting_idempotency_keys",
      "the idempotency_key field and the Idempotency-Key header differ",
    );
  }
  return field ?? header;
}
