/** The server's own signing keys. */
import type Sqlite from "better-sqlite3";
import { serverKeySecretPlace } from "../secrets/event-secrets.js";
import type { SecretBox } from "../secrets/secret-box.js";
import type { ServerKey } from "../store.js";

interface KeyRow {
  readonly kid: string;
  readonly algorithm: "ES256";
  readonly private_key: string;
  readonly public_jwk: string;
  readonly created_at: bigint;
  readonly retired_at: bigint | null;
}

export interface ServerKeys {
  list(): ServerKey[];
  add(key: ServerKey): void;
}

/** Server keys over `db`; private keys are sealed with `secrets`. */
export function createServerKeys(db: Sqlite.Database, secrets: SecretBox): ServerKeys {
  const select = db.prepare<[], KeyRow>(
    "SELECT kid, algorithm, private_key, public_jwk, created_at, retired_at FROM server_keys ORDER BY created_at DESC, kid",
  );
  const retireOthers = db.prepare<[number]>("UPDATE server_keys SET retired_at = ? WHERE retired_at IS NULL");
  const insert = db.prepare<[string, string, string, string, number]>(
    "INSERT INTO server_keys (kid, algorithm, private_key, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)",
  );
  const add = db.transaction((key: ServerKey) => {
    retireOthers.run(key.createdAt.getTime());
    const privateKey = secrets.seal(key.privateKeyPem, serverKeySecretPlace(key.kid));
    insert.run(key.kid, key.algorithm, privateKey, JSON.stringify(key.publicJwk), key.createdAt.getTime());
  });
  return {
    list: () =>
      select.all().map((row) => ({
        kid: row.kid,
        algorithm: row.algorithm,
        privateKeyPem: secrets.open(row.private_key, serverKeySecretPlace(row.kid)),
        publicJwk: JSON.parse(row.public_jwk) as Record<string, string>,
        createdAt: new Date(Number(row.created_at)),
        ...(row.retired_at === null ? {} : { retiredAt: new Date(Number(row.retired_at)) }),
      })),
    add: (key) => add.immediate(key),
  };
}
