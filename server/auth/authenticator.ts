/**
 * Turns an `Authorization` header into a principal. A bearer token is first
 * looked up as an API key (by its hash: configured keys in memory, then the
 * store); a token shaped like a JWT that is no key is verified as a JWT when
 * a JWKS is configured. Anything else is `invalid_token`.
 */
import { type ApiKey, isApiKeyActive } from "../domain/api-key.js";
import type { Store } from "../store/store.js";
import { hashApiKey } from "./api-key-tokens.js";
import { invalidToken, tokenMissing } from "./auth-errors.js";
import type { JwtVerifier } from "./jwt-verifier.js";
import type { Principal } from "./principal.js";

/** Authenticates requests by their `Authorization` header. */
export interface Authenticator {
  /** The principal of `authorization` (the header's value, null when absent); rejects with UNAUTHENTICATED. */
  authenticate(authorization: string | null): Promise<Principal>;
}

export interface AuthenticatorOptions {
  /** Keys from the configuration (and the development key), in memory only. */
  readonly configuredKeys: readonly ApiKey[];
  /** Keys made with `npm run keys -- create`. */
  readonly store: Pick<Store, "apiKeyByHash">;
  /** Set when a JWKS is configured. */
  readonly verifyJwt?: JwtVerifier;
  readonly now?: () => Date;
}

const bearer = /^Bearer +([\x21-\x7e]+) *$/i;
const jwtShape = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** Creates the authenticator. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const configured = new Map(options.configuredKeys.map((key) => [key.keyHash, key]));
  const now = options.now ?? (() => new Date());

  const fromApiKey = (key: ApiKey): Principal => {
    if (key.revokedAt !== undefined) throw invalidToken(`API key ${key.id} was revoked`);
    if (!isApiKeyActive(key, now())) throw invalidToken(`API key ${key.id} has expired`);
    return { subject: key.id, resourceOwner: key.resourceOwner, scopes: new Set(key.scopes), tokenKind: "api_key" };
  };

  return {
    async authenticate(authorization) {
      if (authorization === null || authorization.trim() === "") throw tokenMissing();
      const match = bearer.exec(authorization);
      if (!match) throw invalidToken('the Authorization header must be "Bearer <token>"');
      const token = match[1]!;
      const hash = hashApiKey(token);
      const key = configured.get(hash) ?? (await options.store.apiKeyByHash(hash));
      if (key) return fromApiKey(key);
      if (options.verifyJwt && jwtShape.test(token)) return options.verifyJwt(token);
      throw invalidToken("the token is neither a known API key nor an accepted JWT");
    },
  };
}
