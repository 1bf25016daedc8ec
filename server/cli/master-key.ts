/**
 * `npm run master-key -- <command>`: the master key that seals secrets at rest.
 *
 *   rotate --new-key-file <file>   re-seal every secret with the key in <file>, in one transaction
 *   generate [--out <file>]        a new key (base64 of 32 bytes), printed or written to <file> (mode 0600)
 *
 * `rotate` reads the current key the way the server does (SWITCHYARD_MASTER_KEY,
 * SWITCHYARD_MASTER_KEY_FILE, or the development key file next to the
 * database) and the database from SWITCHYARD_DATABASE. Stop the server first:
 * a running server keeps sealing with the old key.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type Config, loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { generateMasterKeyText, readMasterKeyFile } from "../store/secrets/master-key.js";
import { developmentKeyFileOf, isMasterKeyConfigured, resolveMasterKeys } from "../store/secrets/master-key-source.js";
import { createSqliteStore } from "../store/sqlite/sqlite-store.js";

const usage = `usage: npm run master-key -- rotate --new-key-file <file>
       npm run master-key -- generate [--out <file>]`;

type MasterKeyConfig = Pick<Config, "databasePath" | "masterKey" | "masterKeyFile" | "previousMasterKeys">;

/**
 * Re-seals the database of `config` with the key in `newKeyFile` (one
 * transaction), then proves the new key alone opens it. A development key
 * file next to the database is replaced by the new key; a configured key is
 * the operator's to replace. Answers what to tell the operator.
 */
export async function rotateMasterKey(config: MasterKeyConfig, newKeyFile: string): Promise<string> {
  const path = config.databasePath;
  if (!existsSync(path)) throw new Error(`no database at ${path} (SWITCHYARD_DATABASE)`);
  const developmentKeyFile = developmentKeyFileOf(path);
  const configured = isMasterKeyConfigured(config);
  if (!configured && !existsSync(developmentKeyFile)) {
    throw new Error(
      `no master key to rotate from: set SWITCHYARD_MASTER_KEY or SWITCHYARD_MASTER_KEY_FILE (there is no development key file ${developmentKeyFile})`,
    );
  }
  const logger = createLogger("warn", { fd: 2 });
  const old = resolveMasterKeys(config, logger);
  const next = readMasterKeyFile(newKeyFile);
  if (next.id === old.current.id) throw new Error(`${newKeyFile} holds the current master key ${next.id}; nothing to rotate`);

  await (await createSqliteStore({ path, logger, masterKeys: { current: next, previous: [old.current, ...old.previous] } })).close();
  await (await createSqliteStore({ path, logger, masterKeys: { current: next, previous: [] } })).close();

  const done = `re-sealed every secret in ${path} with master key ${next.id} (was ${old.current.id})`;
  if (configured) return `${done}; from now on start Switchyard with SWITCHYARD_MASTER_KEY_FILE=${newKeyFile}`;
  replaceFile(developmentKeyFile, readFileSync(newKeyFile, "utf8"));
  return `${done}; the development key file ${developmentKeyFile} now holds it`;
}

/** A new key: written to `out` (which must not exist; mode 0600), or answered for printing. */
export function generateMasterKey(out: string | undefined): string {
  const key = generateMasterKeyText();
  if (out === undefined) return key;
  writeFileSync(out, `${key}\n`, { mode: 0o600, flag: "wx" });
  return `wrote a new master key (id ${readMasterKeyFile(out).id}) to ${out}`;
}

// Written aside and renamed, so the file holds either key whole, never half of one.
function replaceFile(file: string, text: string): void {
  const aside = `${file}.${randomUUID()}.tmp`;
  try {
    writeFileSync(aside, text, { mode: 0o600, flag: "wx" });
    renameSync(aside, file);
  } finally {
    rmSync(aside, { force: true });
  }
}

async function main(argv: string[]): Promise<string> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { "new-key-file": { type: "string" }, out: { type: "string" } },
  });
  const [command] = positionals;
  if (command === "rotate" && values["new-key-file"]) return rotateMasterKey(loadConfig(), values["new-key-file"]);
  if (command === "generate") return generateMasterKey(values.out);
  throw new Error(usage);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (message) => console.log(message),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
