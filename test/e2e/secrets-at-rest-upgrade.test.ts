/**
 * A database from before secrets were sealed (plaintext signing keys and
 * private keys) keeps working: the first start seals every value, and none of
 * the plaintext stays behind in the file. Without a configured master key,
 * development creates one next to the database.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openEventSecrets, serverKeySecretPlace, targetSecretPlace } from "../../server/store/secrets/event-secrets.js";
import { readMasterKeyFile } from "../../server/store/secrets/master-key.js";
import { developmentKeyFileOf } from "../../server/store/secrets/master-key-source.js";
import { type SecretBox, createSecretBox } from "../../server/store/secrets/secret-box.js";
import { createTarget, uniqueName } from "../support/api-fixtures.js";
import { postJson } from "../support/clients.js";
import { findInDatabase, sealingKeyIds } from "../support/database-scan.js";
import { onEvent, pushEvent, target } from "../support/delivery-fixtures.js";
import { masterKeysOf } from "../support/master-keys.js";
import { startSink } from "../support/sink.js";
import { type RunningServer, startServer } from "../support/start-server.js";

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function start(options: Parameters<typeof startServer>[0]): Promise<RunningServer> {
  const server = await startServer(options);
  closers.push(() => server.stop());
  return server;
}

/** Writes every sealed value of `databasePath` back as plaintext and forgets the key check: a database from before sealing. */
function unsealDatabase(databasePath: string, box: SecretBox): void {
  const db = new Database(databasePath);
  try {
    db.transaction(() => {
      const events = db
        .prepare("SELECT position, resource_owner, aggregate_type, aggregate_id, payload FROM events WHERE aggregate_type = 'target'")
        .all() as { position: number; resource_owner: string; aggregate_type: string; aggregate_id: string; payload: string }[];
      for (const row of events) {
        const event = { resourceOwner: row.resource_owner, aggregateType: row.aggregate_type, aggregateId: row.aggregate_id };
        const payload = openEventSecrets(box, event, JSON.parse(row.payload) as Record<string, unknown>);
        db.prepare("UPDATE events SET payload = ? WHERE position = ?").run(JSON.stringify(payload), row.position);
      }
      const targets = db.prepare("SELECT resource_owner, id, signing_key, previous_signing_key FROM targets").all() as {
        resource_owner: string;
        id: string;
        signing_key: string;
        previous_signing_key: string | null;
      }[];
      for (const row of targets) {
        const open = (value: string | null, field: "signingKey" | "previousSigningKey") =>
          value === null ? null : box.open(value, targetSecretPlace(row.resource_owner, row.id, field));
        db.prepare("UPDATE targets SET signing_key = ?, previous_signing_key = ? WHERE resource_owner = ? AND id = ?").run(
          open(row.signing_key, "signingKey"),
          open(row.previous_signing_key, "previousSigningKey"),
          row.resource_owner,
          row.id,
        );
      }
      for (const row of db.prepare("SELECT kid, private_key FROM server_keys").all() as { kid: string; private_key: string }[]) {
        const pem = box.open(row.private_key, serverKeySecretPlace(row.kid));
        db.prepare("UPDATE server_keys SET private_key = ? WHERE kid = ?").run(pem, row.kid);
      }
      db.prepare("DELETE FROM master_key_check").run();
    })();
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

describe("a database with plaintext secrets (from before sealing)", () => {
  it("is sealed on the first start with the development key created next to it, leaving no plaintext in the file", async () => {
    // given: a database whose secrets are plaintext
    const directory = mkdtempSync(join(tmpdir(), "switchyard-upgrade-"));
    closers.push(async () => rmSync(directory, { recursive: true, force: true }));
    const databasePath = join(directory, "switchyard.db");
    const keys = masterKeysOf();
    const sink = await startSink();
    closers.push(() => sink.close());
    const first = await start({ databasePath, masterKeys: keys, config: { deliveryPollMs: 20 } });
    const created = await createTarget(first.baseUrl, uniqueName("t"), { restWebhook: undefined, restAsync: {}, endpoint: sink.url });
    const rotated = await postJson(first.baseUrl, "TargetService/UpdateTarget", { id: created.id, rotateSigningKey: true });
    await onEvent(first.baseUrl, { group: "order" }, [target(created.id)]);
    await first.stop();
    unsealDatabase(databasePath, createSecretBox(keys));
    const plaintext = ["whsec_", "PRIVATE KEY", created.signingKey, rotated.body.signingKey];
    expect(findInDatabase(databasePath, plaintext).map(({ where }) => where)).toEqual(
      expect.arrayContaining(["file", "events.payload", "targets.signing_key", "targets.previous_signing_key", "server_keys.private_key"]),
    );

    // when: started without a configured master key
    const second = await start({ databasePath, config: { deliveryPollMs: 20 } });

    // then: a development key file (owner-only) sealed everything, and nothing readable is left
    const keyFile = developmentKeyFileOf(databasePath);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Object.keys(sealingKeyIds(databasePath))).toEqual([readMasterKeyFile(keyFile).id]);
    expect(findInDatabase(databasePath, plaintext)).toEqual([]);
    // and calls are signed with the keys as before
    await pushEvent(second.baseUrl, "order.created");
    const [call] = await sink.waitFor(1);
    expect(sink.verified(call!, rotated.body.signingKey)).toMatchObject({ type: "order.created" });
    expect(sink.verified(call!, created.signingKey)).toMatchObject({ type: "order.created" });
  });
});
