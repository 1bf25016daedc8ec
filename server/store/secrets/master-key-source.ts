/**
 * Where the master keys come from: `SWITCHYARD_MASTER_KEY` or
 * `SWITCHYARD_MASTER_KEY_FILE` (plus `previousMasterKeys` while rotating), or,
 * when neither is set, a development key file next to the database, created
 * on first start. Production refuses to start without a configured key.
 */
import { randomUUID } from "node:crypto";
import { linkSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import {
  type MasterKeys,
  ephemeralMasterKeys,
  generateMasterKeyText,
  parseMasterKey,
  readMasterKeyFile,
} from "./master-key.js";

/** The configuration keys that name master keys (see server/config.ts). */
export interface MasterKeySettings {
  readonly databasePath: string;
  /** Base64 of 32 bytes (`SWITCHYARD_MASTER_KEY`). */
  readonly masterKey?: string;
  /** A file holding it (`SWITCHYARD_MASTER_KEY_FILE`). */
  readonly masterKeyFile?: string;
  /** Keys the database may still be sealed with; it is re-sealed with the current key at start-up. */
  readonly previousMasterKeys?: readonly string[];
}

/** The development key file of the database at `databasePath`. */
export function developmentKeyFileOf(databasePath: string): string {
  return `${databasePath}.master-key`;
}

/** Whether `settings` name a master key (rather than leaving it to the development key file). */
export function isMasterKeyConfigured(settings: Omit<MasterKeySettings, "databasePath">): boolean {
  return Boolean(settings.masterKey || settings.masterKeyFile);
}

/** The configured keys, or the development key file's; throws naming a bad setting. */
export function resolveMasterKeys(settings: MasterKeySettings, logger?: Logger): MasterKeys {
  if (settings.masterKey && settings.masterKeyFile) {
    throw new Error("set SWITCHYARD_MASTER_KEY or SWITCHYARD_MASTER_KEY_FILE, not both");
  }
  const previous = (settings.previousMasterKeys ?? []).map((text, index) =>
    parseMasterKey(text, `previousMasterKeys[${index}]`),
  );
  if (settings.masterKey) return { current: parseMasterKey(settings.masterKey, "SWITCHYARD_MASTER_KEY"), previous };
  if (settings.masterKeyFile) return { current: readMasterKeyFile(settings.masterKeyFile), previous };
  return { ...developmentMasterKeys(settings.databasePath, logger), previous };
}

/**
 * The development key of `databasePath`: read from `<database>.master-key`,
 * or created there (mode 0600, logged) on first start. A `:memory:` database
 * gets a key that lives as long as the process.
 */
export function developmentMasterKeys(databasePath: string, logger?: Logger): MasterKeys {
  if (databasePath === ":memory:") return ephemeralMasterKeys();
  const file = developmentKeyFileOf(databasePath);
  if (createKeyFile(file)) {
    logger?.warn(
      { masterKeyFile: file },
      "generated a development master key next to the database; set SWITCHYARD_MASTER_KEY or SWITCHYARD_MASTER_KEY_FILE in production",
    );
  } else {
    warnWhenReadableByOthers(file, logger);
  }
  return { current: readMasterKeyFile(file), previous: [] };
}

/**
 * Creates `file` with a new key unless it exists. Written aside and linked
 * into place, so a process starting at the same moment reads either no file
 * or a whole one.
 */
function createKeyFile(file: string): boolean {
  mkdirSync(dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    writeFileSync(aside, `${generateMasterKeyText()}\n`, { mode: 0o600, flag: "wx" });
    linkSync(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new Error(`cannot create the development master key file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    rmSync(aside, { force: true });
  }
}

function warnWhenReadableByOthers(file: string, logger?: Logger): void {
  if (process.platform === "win32") return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger?.warn({ masterKeyFile: file, mode: mode.toString(8) }, "the master key file is readable by other users; chmod 600 it");
  }
}
