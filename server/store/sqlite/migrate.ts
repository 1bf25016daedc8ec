/**
 * Numbered SQL migrations (`migrations/0001-events.sql`, …), applied in
 * order at start-up. Each runs in its own transaction together with its row
 * in `schema_migrations`, so a crash leaves either both or neither.
 */
import { readdirSync, readFileSync } from "node:fs";
import type Sqlite from "better-sqlite3";
import type { Logger } from "pino";

/** A migration file: `0003-executions.sql` is version 3, name `executions`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const migrationsDirectory = new URL("./migrations/", import.meta.url);
const migrationFileName = /^(\d+)-([a-z0-9-]+)\.sql$/;

/** The migrations shipped beside this file, ordered by version. */
export function loadMigrations(directory: URL = migrationsDirectory): Migration[] {
  return readdirSync(directory)
    .flatMap((file) => {
      const match = migrationFileName.exec(file);
      if (!match?.[1] || !match[2]) return [];
      return [{ version: Number(match[1]), name: match[2], sql: readFileSync(new URL(file, directory), "utf8") }];
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * Applies every migration not yet recorded in `schema_migrations`; answers
 * the versions it applied (none when the schema is current). Safe to run
 * from several processes at once: each migration re-checks its row inside
 * its `BEGIN IMMEDIATE` transaction.
 */
export function migrate(db: Sqlite.Database, migrations: readonly Migration[] = loadMigrations(), logger?: Logger): number[] {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (" +
      "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT",
  );
  const isApplied = db.prepare<[number], unknown>("SELECT 1 FROM schema_migrations WHERE version = ?").pluck();
  const record = db.prepare<[number, string, number]>(
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
  );
  const applyOne = db.transaction((migration: Migration): boolean => {
    if (isApplied.get(migration.version) !== undefined) return false;
    db.exec(migration.sql);
    record.run(migration.version, migration.name, Date.now());
    return true;
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    try {
      if (!applyOne.immediate(migration)) continue;
    } catch (error) {
      throw new Error(`migration ${migration.version}-${migration.name} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    applied.push(migration.version);
    logger?.info({ version: migration.version, name: migration.name }, "applied migration");
  }
  return applied;
}
