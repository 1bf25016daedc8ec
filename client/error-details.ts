/**
 * What a failed Switchyard call says, in one plain object: the code, the
 * server's message, its google.rpc.ErrorInfo and its field violations
 * (google.rpc.BadRequest), over any of the three protocols.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";

/** One invalid field: its path (e.g. `items[2].operation.function`) and what is wrong. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/** A failed call, flattened. */
export interface ErrorDetails {
  readonly code: Code;
  /** The code as Connect spells it on the wire, e.g. `invalid_argument`. */
  readonly codeName: string;
  /** The server's message, without the `[code]` prefix. */
  readonly message: string;
  /** ErrorInfo reason, e.g. `target_not_found`; absent for validation errors. */
  readonly reason?: string;
  /** ErrorInfo domain: `switchyard` for the server's own errors. */
  readonly domain?: string;
  /** ErrorInfo metadata (empty when none). */
  readonly metadata: Readonly<Record<string, string>>;
  /** BadRequest field violations (empty unless the input was invalid). */
  readonly fieldViolations: readonly FieldViolation[];
}

/** The details of any error a client call threw (non-Connect errors become `unknown`). */
export function errorDetails(error: unknown): ErrorDetails {
  const connectError = ConnectError.from(error);
  const [info] = connectError.findDetails(ErrorInfoSchema);
  const fieldViolations = connectError
    .findDetails(BadRequestSchema)
    .flatMap((badRequest) => badRequest.fieldViolations.map(({ field, description }) => ({ field, description })));
  return {
    code: connectError.code,
    codeName: codeName(connectError.code),
    message: connectError.rawMessage,
    ...(info ? { reason: info.reason, domain: info.domain } : {}),
    metadata: { ...info?.metadata },
    fieldViolations,
  };
}

/** `Code.InvalidArgument` → `invalid_argument`. */
function codeName(code: Code): string {
  const name = Code[code] ?? "Unknown";
  return name.replace(/(?<=[a-z])(?=[A-Z])/g, "_").toLowerCase();
}
