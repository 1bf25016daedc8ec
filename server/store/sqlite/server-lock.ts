/**
 * One server per SQLite database. A server keeps in memory what it routes by
 * (the router, built from the store at start-up and kept current from its own
 * commits) and tells its watchers and its runner about its own commits only,
 * so a second server on the same file would route by bindings it never saw
 * change and never hear of the other's events; two writers on one file do
 * not run more jobs either (bench/README.md, bench:writers).
 *
 * So a server holds `<database>.lock` while it runs: an exclusive SQLite lock
 * on a small file of its own, which the operating system drops when the
 * process ends, however it ends (kill -9 included), so no stale lock is ever
 * left to clean up. The database itself stays open to other processes —
 * online backups, `npm run keys`.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export interface ServerLock {
  /** Where the lock is held. */
  readonly path: string;
  /** Lets another server start on the database (also done by the process's end). */
  release(): void;
}

/**
 * Takes the server lock of the database at `databasePath`; throws, saying
 * what to do, when another process holds it. Nothing to take for `:memory:`.
 */
export function holdServerLock(databasePath: string): ServerLock {
  const path = `${databasePath}.lock`;
  if (databasePath === ":memory:") return { path, release: () => {} };
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: 0 });
  try {
    // The lock is the open transaction: nothing is ever written to the file.
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code !== "SQLITE_BUSY") throw error;
    throw new Error(
      `the database ${databasePath} is in use by another Switchyard server (it holds ${path}): ` +
        "stop that server first, or give this one a database of its own (SWITCHYARD_DATABASE)",
      { cause: error },
    );
  }
  return {
    path,
    release() {
      if (db.open) db.close();
    },
  };
}
