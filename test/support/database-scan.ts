/**
 * Looks at a SQLite database the way someone holding a copy of its files
 * would: the raw bytes of the database file and its WAL, and every text value
 * of every table through a separate connection.
 */
import { existsSync, readFileSync } from "node:fs";
import Database from "better-sqlite3";

/** Where `needle` was found: `file`, `wal`, or `table.column`. */
export interface Finding {
  readonly needle: string;
  readonly where: string;
}

/** Every place any of `needles` occurs in the files of `databasePath` or its text values; none is what a test wants. */
export function findInDatabase(databasePath: string, needles: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  for (const [where, file] of [
    ["file", databasePath],
    ["wal", `${databasePath}-wal`],
  ] as const) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const needle of needles) if (bytes.includes(Buffer.from(needle, "utf8"))) findings.push({ needle, where });
  }
  for (const { table, column, value } of textValues(databasePath)) {
    for (const needle of needles) if (value.includes(needle)) findings.push({ needle, where: `${table}.${column}` });
  }
  return findings;
}

/** The ids of the master keys that sealed the values in `databasePath`, with how many values each sealed. */
export function sealingKeyIds(databasePath: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { value } of textValues(databasePath)) {
    for (const match of value.matchAll(/enc:v1:([0-9a-f]{16}):/g)) counts[match[1]!] = (counts[match[1]!] ?? 0) + 1;
  }
  return counts;
}

/** Every text value in every table of `databasePath`. */
export function textValues(databasePath: string): { table: string; column: string; value: string }[] {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all();
    return tables.flatMap((table) =>
      (db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]).flatMap((row) =>
        Object.entries(row).flatMap(([column, value]) => (typeof value === "string" ? [{ table, column, value }] : [])),
      ),
    );
  } finally {
    db.close();
  }
}
