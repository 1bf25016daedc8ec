/** The authenticator: bearer parsing, configured and stored API keys, revocation and expiry, JWT routing. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, type ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { apiKeyIdOf, devApiKey, devApiKeyId, generateApiKey, hashApiKey } from "../../server/auth/api-key-tokens.js";
import { createConfiguredAuthenticator } from "../../server/auth/auth-setup.js";
import { createAuthenticator } from "../../server/auth/authenticator.js";
import { parseConfiguredApiKeys } from "../../server/auth/configured-keys.js";
import { createJwtVerifier } from "../../server/auth/jwt-verifier.js";
import type { ApiKey } from "../../server/domain/api-key.js";
import { defaultConfig } from "../../server/config.js";
import { type TestIssuer, startTestIssuer } from "../support/jwt-issuer.js";

const now = new Date("2026-06-01T12:00:00.000Z");

function stored(owner: string, overrides: Partial<ApiKey> = {}): { key: string; record: ApiKey } {
  const key = generateApiKey();
  const keyHash = hashApiKey(key);
  return { key, record: { id: apiKeyIdOf(keyHash), keyHash, name: "k", resourceOwner: owner, scopes: ["events:read"], createdAt: now, ...overrides } };
}

function storeOf(...records: ApiKey[]) {
  const byHash = new Map(records.map((record) => [record.keyHash, record]));
  return { apiKeyByHash: async (hash: string) => byHash.get(hash) };
}

async function rejection(promise: Promise<unknown>): Promise<{ code: Code; reason: string | undefined; message: string }> {
  const error = (await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (caught: unknown) => caught,
  )) as ConnectError;
  return { code: error.code, reason: error.findDetails(ErrorInfoSchema)[0]?.reason, message: error.rawMessage };
}

describe("API keys", () => {
  it("turn into a principal of their owner and scopes, with the key id as subject", async () => {
    const { key, record } = stored("acme", { scopes: ["targets:read", "targets:write"] });
    const [configured] = parseConfiguredApiKeys([{ key: "sy_configured_key_1234", owner: "beta", scopes: "admin", name: "ops" }]);
    const authenticator = createAuthenticator({ configuredKeys: [configured!], store: storeOf(record), now: () => now });

    expect(await authenticator.authenticate(`Bearer ${key}`)).toEqual({
      subject: record.id,
      resourceOwner: "acme",
      scopes: new Set(["targets:read", "targets:write"]),
      tokenKind: "api_key",
    });
    expect(await authenticator.authenticate("bearer   sy_configured_key_1234 ")).toMatchObject({ resourceOwner: "beta", scopes: new Set(["admin"]) });
  });

  it("are refused when revoked or expired, and unknown ones are invalid", async () => {
    const revoked = stored("acme", { revokedAt: new Date(now.getTime() - 1) });
    const expired = stored("acme", { expiresAt: now });
    const authenticator = createAuthenticator({ configuredKeys: [], store: storeOf(revoked.record, expired.record), now: () => now });

    expect(await rejection(authenticator.authenticate(`Bearer ${revoked.key}`))).toMatchObject({
      code: Code.Unauthenticated,
      reason: "invalid_token",
      message: expect.stringMatching(/revoked/),
    });
    expect(await rejection(authenticator.authenticate(`Bearer ${expired.key}`))).toMatchObject({ reason: "invalid_token", message: expect.stringMatching(/expired/) });
    expect(await rejection(authenticator.authenticate(`Bearer ${generateApiKey()}`))).toMatchObject({ reason: "invalid_token" });
  });

  it("need the Bearer scheme and one token", async () => {
    const authenticator = createAuthenticator({ configuredKeys: [], store: storeOf() });

    for (const header of [null, "", "   ", "Basic abc", "Bearer", "Bearer a b", "Token sy_x", "Bearer sy_\u00e9"]) {
      expect(await rejection(authenticator.authenticate(header))).toMatchObject({ code: Code.Unauthenticated, reason: "invalid_token" });
    }
  });
});

describe("the development key", () => {
  it("is admin for owner default in development only", async () => {
    const store = storeOf();
    const development = createConfiguredAuthenticator({ ...defaultConfig, env: "development" }, store);
    const production = createConfiguredAuthenticator({ ...defaultConfig, env: "production" }, store);

    expect(await development.authenticate(`Bearer ${devApiKey}`)).toEqual({
      subject: devApiKeyId,
      resourceOwner: "default",
      scopes: new Set(["admin"]),
      tokenKind: "api_key",
    });
    expect(await rejection(production.authenticate(`Bearer ${devApiKey}`))).toMatchObject({ reason: "invalid_token" });
  });
});

describe("JWTs", () => {
  let issuer: TestIssuer;
  let directory: string;
  beforeAll(async () => {
    issuer = await startTestIssuer();
    directory = mkdtempSync(join(tmpdir(), "switchyard-jwks-"));
  });
  afterAll(async () => {
    await issuer.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const settings = () => ({ issuer: issuer.issuer, audience: issuer.audience, clockToleranceSeconds: 30, ownerClaim: "owner" });

  it("verify against a JWKS file; scopes come from scope and scp; the owner claim is configurable", async () => {
    const verify = createJwtVerifier({ ...settings(), jwksFile: issuer.writeJwks(directory), ownerClaim: "org_id" });

    const principal = await verify(await issuer.sign({ sub: "alice", org_id: "acme", scope: "targets:read events:read", scp: ["jobs:read"] }));

    expect(principal).toEqual({
      subject: "alice",
      resourceOwner: "acme",
      scopes: new Set(["targets:read", "events:read", "jobs:read"]),
      tokenKind: "jwt",
    });
  });

  it("fetch the JWKS once from a URL and cache it", async () => {
    const verify = createJwtVerifier({ ...settings(), jwksUrl: issuer.jwksUrl });
    const before = issuer.jwksFetches();

    for (let i = 0; i < 5; i++) await verify(await issuer.sign({ sub: `user-${i}` }));

    expect(issuer.jwksFetches() - before).toBe(1);
  });

  it("that are not JWTs go to the verifier only when shaped like one", async () => {
    const verifyJwt = createJwtVerifier({ ...settings(), jwksUrl: issuer.jwksUrl });
    const authenticator = createAuthenticator({ configuredKeys: [], store: storeOf(), verifyJwt });

    expect(await authenticator.authenticate(`Bearer ${await issuer.sign({ owner: "acme" })}`)).toMatchObject({ resourceOwner: "acme" });
    expect(await rejection(authenticator.authenticate("Bearer a.b.c"))).toMatchObject({ reason: "invalid_token" });
    expect(await rejection(authenticator.authenticate("Bearer not-a-jwt"))).toMatchObject({ reason: "invalid_token" });
  });

  it("answer UNAVAILABLE jwks_unavailable, not invalid_token, when the identity provider cannot be reached", async () => {
    const verify = createJwtVerifier({ ...settings(), jwksUrl: "http://127.0.0.1:9/jwks.json" });

    expect(await rejection(verify(await issuer.sign()))).toMatchObject({ code: Code.Unavailable, reason: "jwks_unavailable" });
  });

  it("refuse a JWKS file that is not one, at start-up", () => {
    expect(() => createJwtVerifier({ ...settings(), jwksFile: join(directory, "missing.json") })).toThrow(/cannot read the JWKS file/);
  });
});
