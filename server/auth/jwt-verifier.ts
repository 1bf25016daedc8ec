/**
 * JWT bearer tokens, verified with jose against the identity provider's JWKS
 * (a URL, fetched and cached by jose, or a file read at start-up). Issuer,
 * audience and expiry are required; a clock skew tolerance applies to `exp`
 * and `nbf`. Claims become the principal: `sub` the subject, the configured
 * owner claim the resource owner, `scope` (space-separated) or `scp` (list or
 * string) the scopes.
 */
import { readFileSync } from "node:fs";
import { type JSONWebKeySet, type JWTPayload, createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from "jose";
import type { ConnectError } from "@connectrpc/connect";
import { invalidToken, jwksUnavailable } from "./auth-errors.js";
import { isResourceOwner } from "./configured-keys.js";
import type { Principal } from "./principal.js";

/** Where the keys are and what a token must say. */
export interface JwtSettings {
  readonly jwksUrl?: string;
  readonly jwksFile?: string;
  /** Required `iss`. */
  readonly issuer: string;
  /** Required `aud` (one of the token's audiences). */
  readonly audience: string;
  /** Tolerance for `exp` and `nbf`, in seconds. */
  readonly clockToleranceSeconds: number;
  /** Claim holding the resource owner, e.g. `owner` or `org_id`. */
  readonly ownerClaim: string;
}

/** Verifies a compact JWT; rejects with the ConnectError the caller sees. */
export type JwtVerifier = (token: string) => Promise<Principal>;

/** Asymmetric algorithms only: a JWKS never holds a shared secret. */
const algorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

/** JOSE error codes that mean the keys could not be had, not that the token is bad. */
const keySourceFailures = new Set(["ERR_JWKS_TIMEOUT", "ERR_JWKS_INVALID", "ERR_JOSE_GENERIC"]);

/** Creates the verifier; reads and checks the JWKS file at once when one is configured. */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier {
  const keys = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 600_000 })
    : createLocalJWKSet(readJwksFile(settings.jwksFile!));
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: settings.clockToleranceSeconds,
        algorithms,
        requiredClaims: ["sub", "exp"],
      }));
    } catch (error) {
      throw verificationError(error, settings.jwksUrl !== undefined);
    }
    return principalOf(payload, settings.ownerClaim);
  };
}

function principalOf(payload: JWTPayload, ownerClaim: string): Principal {
  const owner = payload[ownerClaim];
  if (typeof payload.sub !== "string" || payload.sub === "") throw invalidToken('the token\'s "sub" claim must be a non-empty string');
  if (typeof owner !== "string" || !isResourceOwner(owner)) {
    throw invalidToken(`the token has no resource owner: claim "${ownerClaim}" must be a string of 1..200 characters`);
  }
  return { subject: payload.sub, resourceOwner: owner, scopes: scopesOf(payload), tokenKind: "jwt" };
}

/** `scope: "a b"` (RFC 8693) or `scp: ["a", "b"]` / `scp: "a b"`; both when both are present. */
function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  const found = new Set<string>();
  for (const value of [payload.scope, payload.scp]) {
    const list = typeof value === "string" ? value.split(" ") : Array.isArray(value) ? value : [];
    for (const scope of list) if (typeof scope === "string" && scope !== "") found.add(scope);
  }
  return found;
}

function verificationError(error: unknown, remote: boolean): ConnectError {
  if (error instanceof errors.JWTExpired) return invalidToken("the token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    return invalidToken(`the token's "${error.claim}" claim is not accepted: ${error.reason}`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalidToken("the token's signature does not verify");
  if (error instanceof errors.JWKSNoMatchingKey) return invalidToken("no key of the identity provider matches the token");
  if (error instanceof errors.JOSEAlgNotAllowed) return invalidToken("the token's algorithm is not accepted");
  const isJose = error instanceof errors.JOSEError;
  if (remote && (!isJose || keySourceFailures.has(error.code))) return jwksUnavailable((error as Error).message);
  return invalidToken("the token is not a valid JWT");
}

function readJwksFile(path: string): JSONWebKeySet {
  try {
    const jwks = JSON.parse(readFileSync(path, "utf8")) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys)) throw new Error('no "keys" list');
    return jwks;
  } catch (error) {
    throw new Error(`cannot read the JWKS file ${path}: ${(error as Error).message}`, { cause: error });
  }
}
