/**
 * What production refuses to start without: a master key for secrets at rest
 * and a way to authenticate callers (API keys in the config file or the store,
 * or a JWKS). Development needs neither: it has the development key and a
 * master key file next to the database.
 */
import { isJwtConfigured } from "./auth/auth-setup.js";
import type { Config } from "./config.js";
import { isApiKeyActive } from "./domain/api-key.js";
import type { Store } from "./store/store.js";

/**
 * Checked before the store opens (so production never gets a development
 * master key file made for it): throws when production has no master key.
 */
export function checkProductionConfig(config: Pick<Config, "env" | "masterKey" | "masterKeyFile">): void {
  if (config.env !== "production" || config.masterKey || config.masterKeyFile) return;
  throw new Error("refusing to start in production without a master key for secrets at rest: set SWITCHYARD_MASTER_KEY or SWITCHYARD_MASTER_KEY_FILE");
}

/** Checked once the store is open: throws when production has no active API key and no JWKS. */
export async function checkProductionAuth(
  config: Pick<Config, "env" | "apiKeys" | "jwksUrl" | "jwksFile">,
  store: Pick<Store, "listApiKeys">,
  now: Date = new Date(),
): Promise<void> {
  if (config.env !== "production" || isJwtConfigured(config)) return;
  if (config.apiKeys.some((key) => isApiKeyActive(key, now))) return;
  if ((await store.listApiKeys()).some((key) => isApiKeyActive(key, now))) return;
  throw new Error(
    "refusing to start in production without a way to authenticate callers: add apiKeys to the config file, " +
      "create a key with `npm run keys -- create`, or set SWITCHYARD_JWKS_URL or SWITCHYARD_JWKS_FILE " +
      "(with SWITCHYARD_JWT_ISSUER and SWITCHYARD_JWT_AUDIENCE)",
  );
}
