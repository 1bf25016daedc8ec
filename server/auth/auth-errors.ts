/**
 * The errors authentication answers with: UNAUTHENTICATED with a
 * google.rpc.ErrorInfo (`invalid_token` or `scope_missing`, domain
 * `switchyard`) and a `WWW-Authenticate: Bearer …` header (RFC 6750). Connect
 * and gRPC-web send error metadata as HTTP response headers; gRPC sends it in
 * the trailers-only response, which is the HTTP/2 header block.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { errorDomain } from "../api/interceptors/errors.js";

const realm = 'realm="switchyard"';

/** No token at all: the challenge names no error (RFC 6750 §3.1). */
export function tokenMissing(): ConnectError {
  return authError(
    "no token: send Authorization: Bearer <token> (an API key or a JWT)",
    "invalid_token",
    {},
    `Bearer ${realm}`,
  );
}

/** A token that is malformed, unknown, revoked, expired or fails verification. */
export function invalidToken(message: string): ConnectError {
  return authError(message, "invalid_token", {}, `Bearer ${realm}, error="invalid_token"`);
}

/** A valid token without the scope the method needs. */
export function scopeMissing(scope: string, procedure: string): ConnectError {
  return authError(
    `the token lacks scope ${scope}, which ${procedure} needs`,
    "scope_missing",
    { scope },
    `Bearer ${realm}, error="insufficient_scope", scope="${scope}"`,
  );
}

/**
 * A method of an authenticated service that declares no scope: refused, never
 * let through (a test keeps this from shipping).
 */
export function scopeUndeclared(procedure: string): ConnectError {
  return new ConnectError(`${procedure} declares no required scope`, Code.PermissionDenied, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "scope_undeclared", domain: errorDomain, metadata: { procedure } }) },
  ]);
}

/** The identity provider's keys could not be fetched: not the caller's fault. */
export function jwksUnavailable(message: string): ConnectError {
  return new ConnectError(`cannot verify the token now: ${message}`, Code.Unavailable, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "jwks_unavailable", domain: errorDomain }) },
  ]);
}

function authError(message: string, reason: string, metadata: Record<string, string>, challenge: string): ConnectError {
  const info = create(ErrorInfoSchema, { reason, domain: errorDomain, metadata });
  return new ConnectError(message, Code.Unauthenticated, { "www-authenticate": challenge }, [{ desc: ErrorInfoSchema, value: info }]);
}
