/** The server's signing keys over a real SQLite store, checked with the independent jose library. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createServerKeyRing } from "../../server/engine/server-key-ring.js";
import { createSqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import type { Store } from "../../server/store/store.js";

let directory: string;
let store: Store;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), "switchyard-keys-"));
  store = await createSqliteStore({ path: join(directory, "keys.db") });
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

async function verify(jws: string, jwks: { keys: Record<string, string>[] }) {
  const { payload } = await compactVerify(jws, createLocalJWKSet(jwks as never));
  return JSON.parse(new TextDecoder().decode(payload)) as unknown;
}

describe("server key ring", () => {
  it("creates an ES256 key on first load and signs JWS that jose verifies against the published JWKS", async () => {
    const ring = createServerKeyRing({ store });
    await ring.load();

    const jws = ring.sign({ function: "enrich", input: { n: 1 } });
    const { keys } = ring.jwks();

    expect(keys).toEqual([{ kty: "EC", crv: "P-256", x: expect.any(String), y: expect.any(String), kid: expect.any(String), alg: "ES256", use: "sig" }]);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: "ES256", typ: "JWT", kid: keys[0]!.kid });
    expect(await verify(jws, ring.jwks())).toEqual({ function: "enrich", input: { n: 1 } });
  });

  it("keeps its key across restarts", async () => {
    const first = createServerKeyRing({ store });
    await first.load();
    const jws = first.sign({ a: 1 });
    await store.close();
    store = await createSqliteStore({ path: join(directory, "keys.db") });

    const second = createServerKeyRing({ store });
    await second.load();

    expect(second.jwks()).toEqual(first.jwks());
    expect(await verify(jws, second.jwks())).toEqual({ a: 1 });
  });

  it("signs with the new key after a rotation and publishes the old one only for the overlap", async () => {
    let time = new Date("2026-11-23T10:00:00Z").getTime();
    const ring = createServerKeyRing({ store, overlapMs: 60_000, now: () => new Date(time) });
    await ring.load();
    const before = ring.sign({ v: "old" });
    time += 1000;

    await ring.rotate();
    const after = ring.sign({ v: "new" });

    expect(ring.jwks().keys).toHaveLength(2);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    expect(await verify(before, ring.jwks())).toEqual({ v: "old" });
    time += 60_000;
    expect(ring.jwks().keys.map((key) => key.kid)).toEqual([decodeProtectedHeader(after).kid]);
    await expect(verify(before, ring.jwks())).rejects.toThrow();
  });
});
