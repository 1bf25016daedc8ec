/**
 * Start-up check and re-sealing of the secrets at rest. `master_key_check`
 * holds the id of the key that sealed the database and a known text sealed
 * with it: a wrong key is refused when the store opens, not on the first
 * call that signs. When the check names an older configured key (rotation),
 * or is missing (a new database, or one from before sealing existed), every
 * secret is re-sealed with the current key in one transaction.
 */
import type Sqlite from "better-sqlite3";
import type { Logger } from "pino";
import { secretFieldsByAggregate } from "../../domain/secret-fields.js";
import { resealEventSecrets, serverKeySecretPlace, targetSecretPlace } from "../secrets/event-secrets.js";
import type { SecretBox, SecretPlace } from "../secrets/secret-box.js";

/** What opening the store did to the secrets at rest. */
export interface SealResult {
  /** Key id the database was sealed with before; `undefined` for a database without a check row. */
  readonly previousKeyId: string | undefined;
  /** Stored values re-sealed (plaintext or sealed with an older key). */
  readonly resealed: number;
}

interface CheckRow {
  readonly key_id: string;
  readonly sealed_check: string;
}

const checkPlace: SecretPlace = ["master_key_check"];
const checkText = "switchyard master key check";

/**
 * Refuses a master key the database was not sealed with (naming both key
 * ids), and re-seals everything not sealed with the current key. Throws
 * before changing anything when a stored value cannot be opened.
 */
export function sealSecretsAtRest(db: Sqlite.Database, box: SecretBox, logger?: Logger): SealResult {
  const readCheck = db.prepare<[], CheckRow>("SELECT key_id, sealed_check FROM master_key_check WHERE id = 1");
  const verified = verifyCheck(readCheck.get(), box);
  if (verified === "current") return { previousKeyId: box.keyId, resealed: 0 };

  const previousSecureDelete = db.pragma("secure_delete", { simple: true }) as bigint | number;
  // Freed cells and pages are zeroed, so no plaintext (or old ciphertext) stays behind in the file.
  db.pragma("secure_delete = ON");
  try {
    const result = db.transaction((): SealResult => {
      // Another process may have sealed it meanwhile.
      const check = readCheck.get();
      if (verifyCheck(check, box) === "current") return { previousKeyId: box.keyId, resealed: 0 };
      const resealed = resealEvents(db, box) + resealTargets(db, box) + resealServerKeys(db, box);
      writeCheck(db, box);
      return { previousKeyId: check?.key_id, resealed };
    }).immediate();
    if (result.resealed > 0) checkpoint(db, logger);
    logger?.info(
      { masterKeyId: box.keyId, previousMasterKeyId: result.previousKeyId, resealed: result.resealed },
      "sealed secrets at rest with the master key",
    );
    return result;
  } finally {
    db.pragma(`secure_delete = ${Number(previousSecureDelete)}`);
  }
}

/** `current` when the check row names and opens with the current key; `reseal` when missing or of a configured older key. */
function verifyCheck(check: CheckRow | undefined, box: SecretBox): "current" | "reseal" {
  if (check === undefined) return "reseal";
  let opened: string | undefined;
  let failure: unknown;
  try {
    opened = box.open(check.sealed_check, checkPlace);
  } catch (error) {
    failure = error;
  }
  if (opened === checkText) return box.isCurrent(check.sealed_check) ? "current" : "reseal";
  if (check.key_id !== box.keyId) throw wrongMasterKey(check.key_id, box.keyId, failure);
  throw new Error(`the master key check of this database does not open with master key ${box.keyId}: the database is damaged`, {
    cause: failure,
  });
}

function wrongMasterKey(sealedWith: string, configured: string, cause: unknown): Error {
  return new Error(
    `wrong master key: this database's secrets are sealed with master key ${sealedWith}, but the configured master key is ${configured}. ` +
      "Configure the key the database was sealed with (SWITCHYARD_MASTER_KEY or SWITCHYARD_MASTER_KEY_FILE); " +
      "to change keys, list the old one in previousMasterKeys or run `npm run master-key -- rotate --new-key-file <file>`",
    { cause },
  );
}

function writeCheck(db: Sqlite.Database, box: SecretBox): void {
  db.prepare<[string, string, number]>(
    "INSERT INTO master_key_check (id, key_id, sealed_check, sealed_at) VALUES (1, ?, ?, ?) " +
      "ON CONFLICT (id) DO UPDATE SET key_id = excluded.key_id, sealed_check = excluded.sealed_check, sealed_at = excluded.sealed_at",
  ).run(box.keyId, box.seal(checkText, checkPlace), Date.now());
}

interface EventSecretRow {
  readonly position: bigint;
  readonly resource_owner: string;
  readonly aggregate_type: string;
  readonly aggregate_id: string;
  readonly payload: string;
}

function resealEvents(db: Sqlite.Database, box: SecretBox): number {
  const rows = db
    .prepare<[string], EventSecretRow>(
      "SELECT position, resource_owner, aggregate_type, aggregate_id, payload FROM events " +
        "WHERE aggregate_type IN (SELECT value FROM json_each(?))",
    )
    .all(JSON.stringify(Object.keys(secretFieldsByAggregate)));
  const update = db.prepare<[string, bigint]>("UPDATE events SET payload = ? WHERE position = ?");
  let resealed = 0;
  for (const row of rows) {
    const event = { resourceOwner: row.resource_owner, aggregateType: row.aggregate_type, aggregateId: row.aggregate_id };
    const payload = resealEventSecrets(box, event, JSON.parse(row.payload) as Record<string, unknown>);
    if (payload === undefined) continue;
    update.run(JSON.stringify(payload), row.position);
    resealed += 1;
  }
  return resealed;
}

interface TargetSecretRow {
  readonly resource_owner: string;
  readonly id: string;
  readonly signing_key: string;
  readonly previous_signing_key: string | null;
}

function resealTargets(db: Sqlite.Database, box: SecretBox): number {
  const rows = db
    .prepare<[], TargetSecretRow>("SELECT resource_owner, id, signing_key, previous_signing_key FROM targets")
    .all();
  const update = db.prepare<[string, string | null, string, string]>(
    "UPDATE targets SET signing_key = ?, previous_signing_key = ? WHERE resource_owner = ? AND id = ?",
  );
  let resealed = 0;
  for (const row of rows) {
    const signingKey = reseal(box, row.signing_key, targetSecretPlace(row.resource_owner, row.id, "signingKey"));
    const previous =
      row.previous_signing_key === null
        ? null
        : reseal(box, row.previous_signing_key, targetSecretPlace(row.resource_owner, row.id, "previousSigningKey"));
    if (signingKey === row.signing_key && previous === row.previous_signing_key) continue;
    update.run(signingKey, previous, row.resource_owner, row.id);
    resealed += 1;
  }
  return resealed;
}

function resealServerKeys(db: Sqlite.Database, box: SecretBox): number {
  const rows = db.prepare<[], { kid: string; private_key: string }>("SELECT kid, private_key FROM server_keys").all();
  const update = db.prepare<[string, string]>("UPDATE server_keys SET private_key = ? WHERE kid = ?");
  let resealed = 0;
  for (const row of rows) {
    const privateKey = reseal(box, row.private_key, serverKeySecretPlace(row.kid));
    if (privateKey === row.private_key) continue;
    update.run(privateKey, row.kid);
    resealed += 1;
  }
  return resealed;
}

function reseal(box: SecretBox, stored: string, place: SecretPlace): string {
  return box.isCurrent(stored) ? stored : box.seal(box.open(stored, place), place);
}

/** Moves the re-sealed pages into the database file and empties the WAL, which still holds the old ones. */
function checkpoint(db: Sqlite.Database, logger?: Logger): void {
  const [result] = db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number | bigint }[];
  if (result && Number(result.busy) !== 0) {
    logger?.warn("could not empty the WAL after re-sealing (another connection is reading); it empties at the next checkpoint");
  }
}
