/** Where master keys come from: the environment, a key file, or the development key file next to the database. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import { readMasterKeyFile } from "../../server/store/secrets/master-key.js";
import { developmentKeyFileOf, resolveMasterKeys } from "../../server/store/secrets/master-key-source.js";
import { randomMasterKey, writeMasterKeyFile } from "../support/master-keys.js";

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "switchyard-master-key-"));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** A logger whose lines the test reads. */
function recordingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe("resolveMasterKeys", () => {
  it("takes SWITCHYARD_MASTER_KEY, or the file SWITCHYARD_MASTER_KEY_FILE names, plus SWITCHYARD_PREVIOUS_MASTER_KEYS", () => {
    const [current, older, oldest] = [randomMasterKey(), randomMasterKey(), randomMasterKey()];
    const databasePath = join(directory, "switchyard.db");
    const previous = `${older.key.toString("base64")}, ${oldest.key.toString("base64")}`;

    const fromVariable = resolveMasterKeys(
      loadConfig({ SWITCHYARD_DATABASE: databasePath, SWITCHYARD_MASTER_KEY: current.key.toString("base64"), SWITCHYARD_PREVIOUS_MASTER_KEYS: previous }),
    );
    const fromFile = resolveMasterKeys(
      loadConfig({ SWITCHYARD_DATABASE: databasePath, SWITCHYARD_MASTER_KEY_FILE: writeMasterKeyFile(join(directory, "k"), current) }),
    );

    expect(fromVariable.current.id).toBe(current.id);
    expect(fromVariable.previous.map((key) => key.id)).toEqual([older.id, oldest.id]);
    expect(fromFile).toEqual({ current, previous: [] });
  });

  it("refuses both at once, a bad key, and a missing file, naming the setting", () => {
    const databasePath = join(directory, "switchyard.db");
    const key = randomMasterKey().key.toString("base64");

    expect(() => resolveMasterKeys({ databasePath, masterKey: key, masterKeyFile: "k" })).toThrow(
      "set SWITCHYARD_MASTER_KEY or SWITCHYARD_MASTER_KEY_FILE, not both",
    );
    expect(() => resolveMasterKeys({ databasePath, masterKey: "c2hvcnQ=" })).toThrow(/^SWITCHYARD_MASTER_KEY must hold a master key/);
    expect(() => resolveMasterKeys({ databasePath, masterKey: key, previousMasterKeys: ["nope!"] })).toThrow(
      /^previousMasterKeys\[0\] must hold a master key/,
    );
    expect(() => resolveMasterKeys({ databasePath, masterKeyFile: join(directory, "missing") })).toThrow(
      /^cannot read master key file .*missing/,
    );
  });

  it("creates a development key file (mode 0600) next to the database on first start, says so, and reuses it", () => {
    const databasePath = join(directory, "data", "switchyard.db");
    const first = recordingLogger();

    const created = resolveMasterKeys({ databasePath }, first.logger);
    const again = recordingLogger();
    const reused = resolveMasterKeys({ databasePath }, again.logger);

    const file = developmentKeyFileOf(databasePath);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readMasterKeyFile(file)).toEqual(created.current);
    expect(reused).toEqual(created);
    expect(first.lines).toEqual([expect.objectContaining({ level: 40, masterKeyFile: file, msg: expect.stringMatching(/^generated a development master key/) })]);
    expect(again.lines).toEqual([]);
  });

  it("warns about a key file other users can read", () => {
    const databasePath = join(directory, "switchyard.db");
    writeFileSync(developmentKeyFileOf(databasePath), `${randomMasterKey().key.toString("base64")}\n`, { mode: 0o644 });
    const { logger, lines } = recordingLogger();

    resolveMasterKeys({ databasePath }, logger);

    expect(lines).toEqual([expect.objectContaining({ level: 40, mode: "644", msg: expect.stringContaining("chmod 600") })]);
  });
});
