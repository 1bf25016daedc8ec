/**
 * The one place errors become Connect codes. SwitchyardError kinds map to
 * codes with a google.rpc.ErrorInfo {reason, domain, metadata}; validation
 * errors keep protovalidate's Violations and gain a google.rpc.BadRequest with
 * `{field, description}`; anything unexpected becomes INTERNAL without a
 * stack or SQL on the wire. Client faults are logged at warn, server faults at error.
 */
import { create } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { type Violation, type Violations, ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { type ErrorKind, SwitchyardError } from "../../domain/errors.js";
import { requestContextKey } from "../context.js";

/** `domain` of every ErrorInfo Switchyard sends. */
export const errorDomain = "switchyard";

const codes: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  aborted: Code.Aborted,
  unimplemented: Code.Unimplemented,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  internal: Code.Internal,
};

const serverFaults = new Set([Code.Internal, Code.Unknown, Code.DataLoss, Code.Unavailable]);

/** Creates the error-mapping interceptor; it sits inside the request-context interceptor. */
export function createErrorInterceptor(options: { logger?: Logger } = {}): Interceptor {
  const { logger } = options;
  return (next) => async (request) => {
    const translate = (error: unknown): ConnectError => {
      const context = request.contextValues.get(requestContextKey);
      const translated = toConnectError(error, context?.requestId);
      const entry = {
        requestId: context?.requestId,
        procedure: context?.procedure,
        code: Code[translated.code],
        reason: reasonOf(translated),
      };
      if (serverFaults.has(translated.code)) logger?.error({ ...entry, err: error }, "rpc failed");
      else logger?.warn({ ...entry, message: translated.rawMessage }, "rpc rejected");
      return translated;
    };
    try {
      const response = await next(request);
      if (!response.stream) return response;
      return { ...response, message: translateStreamErrors(response.message, translate) };
    } catch (error) {
      throw translate(error);
    }
  };
}

async function* translateStreamErrors<T>(
  messages: AsyncIterable<T>,
  translate: (error: unknown) => ConnectError,
): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw translate(error);
  }
}

/** Maps any error to the ConnectError the client sees. */
export function toConnectError(error: unknown, requestId?: string): ConnectError {
  if (error instanceof SwitchyardError) {
    const info = create(ErrorInfoSchema, { reason: error.reason, domain: errorDomain, metadata: { ...error.metadata } });
    const message = error.kind === "internal" ? internalMessage(requestId) : error.message;
    return new ConnectError(message, codes[error.kind], undefined, [{ desc: ErrorInfoSchema, value: info }]);
  }
  if (error instanceof ConnectError) return error.code === Code.InvalidArgument ? withFieldViolations(error) : error;
  return new ConnectError(internalMessage(requestId), Code.Internal, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "internal", domain: errorDomain, metadata: requestId ? { request_id: requestId } : {} }) },
  ]);
}

function internalMessage(requestId: string | undefined): string {
  return requestId ? `internal error (request id ${requestId})` : "internal error";
}

/**
 * Most violations an error carries. protovalidate reports one per bad item of
 * a list, so a request with thousands of them made details of hundreds of
 * KiB: over gRPC they travel in the trailers, which HTTP/2 could not send,
 * and Node then closed the client's whole connection. The message still
 * counts them all ("…, and 2000 more violations").
 */
export const maxReportedViolations = 100;

/** Adds a google.rpc.BadRequest beside protovalidate's Violations, once; both keep the first {@link maxReportedViolations}. */
function withFieldViolations(error: ConnectError): ConnectError {
  const [all] = error.findDetails(ViolationsSchema);
  if (!all || error.findDetails(BadRequestSchema).length > 0) return error;
  const violations = all.violations.length > maxReportedViolations ? truncateViolations(error, all.violations) : all;
  const badRequest = create(BadRequestSchema, {
    fieldViolations: violations.violations.map((violation) => ({
      field: (violation.field?.elements ?? [])
        .map((element) =>
          element.subscript.case === "index" ? `${element.fieldName}[${element.subscript.value}]` : element.fieldName,
        )
        .join("."),
      description: violation.message,
    })),
  });
  error.details.push({ desc: BadRequestSchema, value: badRequest });
  return error;
}

/** Replaces `error`'s Violations detail with its first {@link maxReportedViolations}; answers them. */
function truncateViolations(error: ConnectError, violations: readonly Violation[]): Violations {
  const kept = create(ViolationsSchema, { violations: violations.slice(0, maxReportedViolations) });
  const index = error.details.findIndex((detail) => ("desc" in detail ? detail.desc.typeName : detail.type) === ViolationsSchema.typeName);
  error.details[index] = { desc: ViolationsSchema, value: kept };
  return kept;
}

function reasonOf(error: ConnectError): string | undefined {
  return error.findDetails(ErrorInfoSchema)[0]?.reason;
}
