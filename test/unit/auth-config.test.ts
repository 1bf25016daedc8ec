/** Auth configuration: API keys from the config file, JWT settings, and what production refuses to start without. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiKeyIdOf, hashApiKey } from "../../server/auth/api-key-tokens.js";
import { loadConfig } from "../../server/config.js";
import type { ApiKey } from "../../server/domain/api-key.js";
import { checkProductionAuth, checkProductionConfig } from "../../server/startup-checks.js";

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "switchyard-config-"));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function configFile(content: unknown): string {
  const file = join(directory, "switchyard.json");
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe("apiKeys in the config file", () => {
  it("are hashed at load: the plain key is never kept", () => {
    const keyHash = hashApiKey("sy_another_key_0123456789");
    const config = loadConfig({
      SWITCHYARD_CONFIG: configFile({
        apiKeys: [
          { key: "sy_plain_key_0123456789", owner: "acme", scopes: ["targets:read", "targets:write"], name: "ci" },
          { keyHash, owner: "beta", scopes: "events:read events:write", name: "billing", expiresAt: "2030-01-01T00:00:00Z" },
        ],
      }),
    });

    expect(config.apiKeys).toEqual([
      expect.objectContaining({ keyHash: hashApiKey("sy_plain_key_0123456789"), resourceOwner: "acme", scopes: ["targets:read", "targets:write"], name: "ci" }),
      expect.objectContaining({ id: apiKeyIdOf(keyHash), keyHash, resourceOwner: "beta", expiresAt: new Date("2030-01-01T00:00:00Z") }),
    ]);
    expect(JSON.stringify(config)).not.toContain("sy_plain_key");
  });

  it.each([
    [{ owner: "a", scopes: ["admin"], name: "n" }, /apiKeys\[0\]: give exactly one of key and keyHash/],
    [{ key: "short", owner: "a", scopes: ["admin"], name: "n" }, /at least 16 characters/],
    [{ keyHash: "ABC", owner: "a", scopes: ["admin"], name: "n" }, /keyHash must be the SHA-256/],
    [{ key: "sy_long_enough_key_1", owner: "", scopes: ["admin"], name: "n" }, /owner must be/],
    [{ key: "sy_long_enough_key_1", owner: "a", scopes: ["targets:delete"], name: "n" }, /unknown scope "targets:delete"/],
    [{ key: "sy_long_enough_key_1", owner: "a", scopes: [], name: "n" }, /scopes must be a non-empty list/],
    [{ key: "sy_long_enough_key_1", owner: "a", scopes: ["admin"], name: "" }, /name must be/],
    [{ key: "sy_long_enough_key_1", owner: "a", scopes: ["admin"], name: "n", expiresAt: "soon" }, /expiresAt must be/],
  ])("refuses %j naming the entry", (entry, message) => {
    expect(() => loadConfig({ SWITCHYARD_CONFIG: configFile({ apiKeys: [entry] }) })).toThrow(message);
  });
});

describe("JWT settings", () => {
  it("come from the environment, with a 30 s clock tolerance and the owner claim by default", () => {
    const config = loadConfig({
      SWITCHYARD_JWKS_URL: "https://idp.example.com/.well-known/jwks.json",
      SWITCHYARD_JWT_ISSUER: "https://idp.example.com",
      SWITCHYARD_JWT_AUDIENCE: "switchyard",
    });

    expect(config).toMatchObject({
      jwksUrl: "https://idp.example.com/.well-known/jwks.json",
      jwtIssuer: "https://idp.example.com",
      jwtAudience: "switchyard",
      jwtClockToleranceSeconds: 30,
      jwtOwnerClaim: "owner",
    });
    expect(loadConfig({ SWITCHYARD_JWT_CLOCK_TOLERANCE_SECONDS: "5", SWITCHYARD_JWT_OWNER_CLAIM: "org_id" })).toMatchObject({
      jwtClockToleranceSeconds: 5,
      jwtOwnerClaim: "org_id",
    });
  });

  it("refuse a JWKS without issuer and audience, and a URL and a file at once", () => {
    expect(() => loadConfig({ SWITCHYARD_JWKS_URL: "https://idp.example.com/jwks", SWITCHYARD_JWT_ISSUER: "x" })).toThrow(
      /SWITCHYARD_JWT_ISSUER and SWITCHYARD_JWT_AUDIENCE/,
    );
    expect(() =>
      loadConfig({ SWITCHYARD_JWKS_URL: "https://a/jwks", SWITCHYARD_JWKS_FILE: "/b", SWITCHYARD_JWT_ISSUER: "x", SWITCHYARD_JWT_AUDIENCE: "y" }),
    ).toThrow(/not both/);
  });
});

describe("production", () => {
  const storeWith = (...keys: ApiKey[]) => ({ listApiKeys: async () => keys });
  const key = (overrides: Partial<ApiKey> = {}): ApiKey => ({
    id: "key_1",
    keyHash: hashApiKey("x"),
    name: "n",
    resourceOwner: "acme",
    scopes: ["admin"],
    createdAt: new Date(0),
    ...overrides,
  });

  it("needs a master key; development does not", () => {
    expect(() => checkProductionConfig(loadConfig({ SWITCHYARD_ENV: "production" }))).toThrow(/SWITCHYARD_MASTER_KEY or SWITCHYARD_MASTER_KEY_FILE/);
    expect(() => checkProductionConfig(loadConfig({ SWITCHYARD_ENV: "production", SWITCHYARD_MASTER_KEY_FILE: "/run/secrets/key" }))).not.toThrow();
    expect(() => checkProductionConfig(loadConfig({}))).not.toThrow();
  });

  it("needs an active API key (config or store) or a JWKS; development does not", async () => {
    const production = loadConfig({ SWITCHYARD_ENV: "production" });
    const withJwks = loadConfig({
      SWITCHYARD_ENV: "production",
      SWITCHYARD_JWKS_FILE: "/etc/jwks.json",
      SWITCHYARD_JWT_ISSUER: "i",
      SWITCHYARD_JWT_AUDIENCE: "a",
    });

    await expect(checkProductionAuth(production, storeWith())).rejects.toThrow(/without a way to authenticate callers/);
    await expect(checkProductionAuth(production, storeWith(key({ revokedAt: new Date(1) }), key({ expiresAt: new Date(1) })))).rejects.toThrow();
    await expect(checkProductionAuth(production, storeWith(key()))).resolves.toBeUndefined();
    await expect(checkProductionAuth({ ...production, apiKeys: [key()] }, storeWith())).resolves.toBeUndefined();
    await expect(checkProductionAuth(withJwks, storeWith())).resolves.toBeUndefined();
    await expect(checkProductionAuth(loadConfig({}), storeWith())).resolves.toBeUndefined();
  });
});
