/**
 * Secrets at rest, end to end: target signing keys and the server's JWT key
 * are sealed in the database with the master key; a copy of the files
 * reveals none of them; a restart with the same key signs with the same
 * keys; a wrong key is refused at start-up; rotation re-seals everything.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type JSONWebKeySet, compactVerify, createLocalJWKSet } from "jose";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { rotateMasterKey } from "../../server/cli/master-key.js";
import type { MasterKeys } from "../../server/store/secrets/master-key.js";
import { createTarget, uniqueName } from "../support/api-fixtures.js";
import { postJson } from "../support/clients.js";
import { findInDatabase, sealingKeyIds } from "../support/database-scan.js";
import { onEvent, pushEvent, target } from "../support/delivery-fixtures.js";
import { masterKeysOf, randomMasterKey, writeMasterKeyFile } from "../support/master-keys.js";
import { type Sink, type SinkRequest, startSink } from "../support/sink.js";
import { type RunningServer, startServer } from "../support/start-server.js";

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "switchyard-secrets-"));
  closers.push(async () => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

async function start(databasePath: string, masterKeys: MasterKeys): Promise<RunningServer> {
  const server = await startServer({ databasePath, masterKeys, config: { deliverySchedule: [50], deliveryPollMs: 20 } });
  closers.push(() => server.stop());
  return server;
}

/** What a first server wrote: a rotated JSON target, a JWT target, both bound to `order` events. */
interface World {
  readonly sinks: { readonly json: Sink; readonly jwt: Sink };
  /** The JSON target's keys as the API answered them: at creation, and after rotation. */
  readonly signingKeys: { readonly first: string; readonly second: string };
  readonly jwtSigningKey: string;
  readonly jwks: JSONWebKeySet;
}

async function givenTargetsAndServerKey(server: RunningServer): Promise<World> {
  const sinks = { json: await startSink(), jwt: await startSink() };
  closers.push(() => sinks.json.close(), () => sinks.jwt.close());
  const async = { restWebhook: undefined, restAsync: {} };
  const json = await createTarget(server.baseUrl, uniqueName("json"), { ...async, endpoint: sinks.json.url });
  const rotated = await postJson(server.baseUrl, "TargetService/UpdateTarget", { id: json.id, rotateSigningKey: true });
  expect(rotated.status, rotated.text).toBe(200);
  const jwt = await createTarget(server.baseUrl, uniqueName("jwt"), {
    ...async,
    endpoint: sinks.jwt.url,
    payloadType: "PAYLOAD_TYPE_JWT",
  });
  await onEvent(server.baseUrl, { group: "order" }, [target(json.id), target(jwt.id)]);
  const jwks = (await (await fetch(`${server.baseUrl}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
  expect(jwks.keys).toHaveLength(1);
  return { sinks, signingKeys: { first: json.signingKey, second: rotated.body.signingKey }, jwtSigningKey: jwt.signingKey, jwks };
}

/** Every secret of `world` as it would appear in plaintext, plus the markers of any key. */
function plaintextNeedles(world: World): string[] {
  const keys = [world.signingKeys.first, world.signingKeys.second, world.jwtSigningKey];
  return ["whsec_", "PRIVATE KEY", ...keys, ...keys.map((key) => key.slice("whsec_".length))];
}

/** The Standard Webhooks signature (`v1,…`) of `request` with `signingKey`, for bodies that are not JSON. */
function signatureOf(request: SinkRequest, signingKey: string): string {
  const timestamp = new Date(Number(request.headers["webhook-timestamp"]) * 1000);
  return new Webhook(signingKey).sign(request.headers["webhook-id"]!, timestamp, request.body);
}

/** Pushes an order event; both sinks must get it signed with the keys `world` was given. */
async function expectSignedWithTheSameKeys(server: RunningServer, world: World): Promise<void> {
  const before = { json: world.sinks.json.requests.length, jwt: world.sinks.jwt.requests.length };
  await pushEvent(server.baseUrl, "order.created", uniqueName("o"));
  const json = (await world.sinks.json.waitFor(before.json + 1))[before.json]!;
  const jwt = (await world.sinks.jwt.waitFor(before.jwt + 1))[before.jwt]!;

  // The rotated target signs with its new key and, during the overlap, with the old one.
  expect(world.sinks.json.verified(json, world.signingKeys.second)).toMatchObject({ type: "order.created" });
  expect(world.sinks.json.verified(json, world.signingKeys.first)).toMatchObject({ type: "order.created" });
  expect(jwt.headers["webhook-signature"]?.split(" ")).toContain(signatureOf(jwt, world.jwtSigningKey));
  // The JWT payload verifies against the JWKS published before: the same server key.
  const { payload } = await compactVerify(jwt.body, createLocalJWKSet(world.jwks));
  expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ type: "order.created" });
}

describe("secrets at rest", () => {
  it("keeps no signing key and no private key in the database files, and signs with the same keys after a restart", async () => {
    // given
    const databasePath = join(temporaryDirectory(), "switchyard.db");
    const keys = masterKeysOf();
    const first = await start(databasePath, keys);
    const world = await givenTargetsAndServerKey(first);

    // then: nothing readable while it runs (database file and WAL) …
    expect(findInDatabase(databasePath, plaintextNeedles(world))).toEqual([]);
    await first.stop();
    // … nor once it stopped (the WAL checkpointed into the file)
    expect(findInDatabase(databasePath, plaintextNeedles(world))).toEqual([]);
    expect(sealingKeyIds(databasePath)).toEqual({ [keys.current.id]: expect.any(Number) });

    // when
    const second = await start(databasePath, keys);

    // then
    await expectSignedWithTheSameKeys(second, world);
    expect(findInDatabase(databasePath, plaintextNeedles(world))).toEqual([]);
  });

  it("refuses to start with another master key, naming the key the database was sealed with", async () => {
    // given
    const databasePath = join(temporaryDirectory(), "switchyard.db");
    const keys = masterKeysOf();
    const first = await start(databasePath, keys);
    await createTarget(first.baseUrl, uniqueName("t"));
    await first.stop();
    const other = masterKeysOf();

    // when
    const starting = startServer({ databasePath, masterKeys: other });

    // then
    await expect(starting).rejects.toThrow(
      `wrong master key: this database's secrets are sealed with master key ${keys.current.id}, ` +
        `but the configured master key is ${other.current.id}`,
    );
  });

  it("rotation re-seals every secret with the new key: the old key alone no longer opens the database, the new one does", async () => {
    // given: a database sealed with the old key, and a new key in a file
    const directory = temporaryDirectory();
    const databasePath = join(directory, "switchyard.db");
    const old = randomMasterKey();
    const next = randomMasterKey();
    const first = await start(databasePath, masterKeysOf(old));
    const world = await givenTargetsAndServerKey(first);
    await first.stop();
    const sealedBefore = Object.values(sealingKeyIds(databasePath))[0]!;

    // when
    const message = await rotateMasterKey(
      { databasePath, masterKeyFile: writeMasterKeyFile(join(directory, "old.key"), old) },
      writeMasterKeyFile(join(directory, "new.key"), next),
    );

    // then
    expect(message).toContain(`with master key ${next.id} (was ${old.id})`);
    expect(sealingKeyIds(databasePath)).toEqual({ [next.id]: sealedBefore });
    await expect(startServer({ databasePath, masterKeys: masterKeysOf(old) })).rejects.toThrow(
      `sealed with master key ${next.id}, but the configured master key is ${old.id}`,
    );
    const second = await start(databasePath, masterKeysOf(next));
    await expectSignedWithTheSameKeys(second, world);
    expect(findInDatabase(databasePath, plaintextNeedles(world))).toEqual([]);
  });

  it("re-seals at start-up when the old key is listed as previous, after which the new key alone suffices", async () => {
    // given
    const databasePath = join(temporaryDirectory(), "switchyard.db");
    const old = randomMasterKey();
    const next = randomMasterKey();
    const first = await start(databasePath, masterKeysOf(old));
    const world = await givenTargetsAndServerKey(first);
    await first.stop();

    // when
    const rotating = await start(databasePath, masterKeysOf(next, [old]));
    await rotating.stop();

    // then
    expect(Object.keys(sealingKeyIds(databasePath))).toEqual([next.id]);
    const second = await start(databasePath, masterKeysOf(next));
    await expectSignedWithTheSameKeys(second, world);
  });
});
