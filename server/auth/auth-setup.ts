/**
 * Builds the authenticator from the configuration: the config file's API
 * keys, the development key (development only), the store's keys, and a JWT
 * verifier when a JWKS is configured.
 */
import type { Config } from "../config.js";
import type { ApiKey } from "../domain/api-key.js";
import type { Store } from "../store/store.js";
import { apiKeyIdOf, devApiKey, devApiKeyGrant, hashApiKey } from "./api-key-tokens.js";
import { type Authenticator, createAuthenticator } from "./authenticator.js";
import { createJwtVerifier } from "./jwt-verifier.js";

/** The configuration authentication reads. */
export type AuthSettings = Pick<
  Config,
  "env" | "apiKeys" | "jwksUrl" | "jwksFile" | "jwtIssuer" | "jwtAudience" | "jwtClockToleranceSeconds" | "jwtOwnerClaim"
>;

/** The development key as an API key; only ever in memory. */
export function devApiKeyRecord(): ApiKey {
  const keyHash = hashApiKey(devApiKey);
  return { id: apiKeyIdOf(keyHash), keyHash, ...devApiKeyGrant, scopes: [...devApiKeyGrant.scopes], createdAt: new Date(0) };
}

/** Whether tokens can be verified at all: configured keys or a JWKS (stored keys are counted at start-up). */
export function isJwtConfigured(settings: Pick<AuthSettings, "jwksUrl" | "jwksFile">): boolean {
  return Boolean(settings.jwksUrl || settings.jwksFile);
}

/** The authenticator of `settings` over `store`'s keys. */
export function createConfiguredAuthenticator(settings: AuthSettings, store: Pick<Store, "apiKeyByHash">): Authenticator {
  const configuredKeys = settings.env === "development" ? [...settings.apiKeys, devApiKeyRecord()] : settings.apiKeys;
  const verifyJwt = isJwtConfigured(settings)
    ? createJwtVerifier({
        ...(settings.jwksUrl ? { jwksUrl: settings.jwksUrl } : {}),
        ...(settings.jwksFile ? { jwksFile: settings.jwksFile } : {}),
        issuer: settings.jwtIssuer!,
        audience: settings.jwtAudience!,
        clockToleranceSeconds: settings.jwtClockToleranceSeconds,
        ownerClaim: settings.jwtOwnerClaim,
      })
    : undefined;
  return createAuthenticator({ configuredKeys, store, ...(verifyJwt ? { verifyJwt } : {}) });
}
