/**
 * A stand-in identity provider for tests: an ES256 key pair, its JWKS served
 * over local HTTP (and written to a file on demand), and JWTs signed with it
 * by jose, as a real provider would issue them.
 */
import { writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type JWK, type JWTPayload, SignJWT, exportJWK, generateKeyPair } from "jose";
import type { Config } from "../../server/config.js";

export interface TestIssuer {
  /** `http://127.0.0.1:PORT/jwks.json` */
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** How often the JWKS was fetched. */
  readonly jwksFetches: () => number;
  /** The server configuration that trusts this issuer (by URL). */
  config(): Partial<Config>;
  /** Writes the JWKS to `directory/jwks.json` and answers its path. */
  writeJwks(directory: string): string;
  /**
   * A JWT for `claims` (default: sub `user-1`, owner `default`, scope `admin`),
   * issued now for this issuer and audience, expiring in an hour; claims given
   * as `undefined` are left out.
   */
  sign(claims?: Record<string, unknown>, options?: { expiresAt?: number; issuedAt?: number }): Promise<string>;
  close(): Promise<void>;
}

/** Starts the issuer on 127.0.0.1, port 0. */
export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: "test-key-1", alg: "ES256", use: "sig" };
  const jwks = JSON.stringify({ keys: [publicJwk] });
  let fetches = 0;
  const server: Server = createServer((request, response) => {
    fetches++;
    response.writeHead(200, { "content-type": "application/jwk-set+json" });
    response.end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  const issuer = "https://issuer.switchyard.test";
  const audience = "switchyard-test";
  return {
    jwksUrl,
    issuer,
    audience,
    jwksFetches: () => fetches,
    config: () => ({ jwksUrl, jwtIssuer: issuer, jwtAudience: audience }),
    writeJwks(directory) {
      const file = join(directory, "jwks.json");
      writeFileSync(file, jwks);
      return file;
    },
    async sign(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = {
        sub: "user-1",
        owner: "default",
        scope: "admin",
        iss: issuer,
        aud: audience,
        iat: options.issuedAt ?? now,
        exp: options.expiresAt ?? now + 3600,
        ...claims,
      };
      for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
      return new SignJWT(payload).setProtectedHeader({ alg: "ES256", kid: "test-key-1", typ: "JWT" }).sign(privateKey);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
