/** The store contract against real SQLite files, plus what only SQLite has. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadMigrations, migrate } from "../../server/store/sqlite/migrate.js";
import { createSqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import { objectRows } from "../../server/store/sqlite/statement-cache.js";
import type { Store } from "../../server/store/store.js";
import { type AppliedMigration, type StoreHarness, describeStoreContract } from "./store-contract.js";
import { addTarget, appendEvents, orderEvent, ownerA, rejectionOf, targetSpec } from "./fixtures.js";

interface SqliteHarness extends StoreHarness {
  readonly file: string;
}

/** A store on a new file in a new temp directory (in a subdirectory that does not exist yet). */
async function createSqliteHarness(): Promise<SqliteHarness> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-store-"));
  const file = path.join(directory, "data", "switchyard.db");
  const opened: Store[] = [];
  const open = async (): Promise<Store> => {
    const store = await createSqliteStore({ path: file });
    opened.push(store);
    return store;
  };
  return {
    file,
    store: await open(),
    reopen: open,
    appliedMigrations: async () => readAppliedMigrations(file),
    cleanup: async () => {
      for (const store of opened) await store.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

function readAppliedMigrations(file: string): AppliedMigration[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare<[], { version: number; name: string; applied_at: number }>(
        "SELECT version, name, applied_at FROM schema_migrations ORDER BY version",
      )
      .all();
    return rows.map((row) => ({ version: row.version, name: row.name, appliedAt: row.applied_at }));
  } finally {
    db.close();
  }
}

describeStoreContract("sqlite", createSqliteHarness);

describe("SQLite store", () => {
  let harness: SqliteHarness | undefined;
  const fresh = async (): Promise<SqliteHarness> => {
    harness = await createSqliteHarness();
    return harness;
  };
  afterEach(async () => {
    await harness?.cleanup();
    harness = undefined;
  });

  it("reads rows read as arrays into objects keyed by their columns, in order, a table's qualifier dropped", () => {
    const db = new Database(":memory:");
    try {
      db.defaultSafeIntegers(true);
      db.exec("CREATE TABLE t (id TEXT, created_at INTEGER, state TEXT); INSERT INTO t VALUES ('a', 5, NULL), ('b', 6, NULL)");
      const statement = db.prepare("SELECT id, e.created_at, state FROM t e WHERE id = ?");
      const read = objectRows<[string], { id: string; created_at: bigint; state: null }>(statement);
      expect(read.get("a")).toEqual({ id: "a", created_at: 5n, state: null });
      expect(Object.keys(read.all("b")[0]!)).toEqual(["id", "created_at", "state"]);
      expect(read.get("c")).toBeUndefined();
      expect(objectRows(statement)).toBe(read);
    } finally {
      db.close();
    }
  });

  it("binds every caller's LIMIT behind a unary plus, so that no statement is compiled again at each call", async () => {
    // SQLite (3.46 and later) reads the value bound to a bare `LIMIT ?` when it plans, and binding any value
    // there expires the statement: claims and pages were compiled anew on every call (statement-cache.ts).
    const prepare = Database.prototype.prepare;
    const prepared = new Set<string>();
    const spy = vi.spyOn(Database.prototype, "prepare").mockImplementation(function (this: Database.Database, sql: string) {
      prepared.add(sql);
      return prepare.call(this, sql);
    } as typeof prepare);
    try {
      const { store } = await fresh();
      const now = new Date();
      const lease = { owner: "runner", until: new Date(now.getTime() + 60_000) };
      const page = { offset: 0, limit: 10, asc: true };
      await store.claimDueJobs(now, 4, lease);
      await store.claimDueDeliveries(now, 4, lease);
      await store.finishedOpenBatches(10);
      await store.readEventsAfter(ownerA, 0n, {}, 10);
      await store.listEvents(ownerA, {}, page);
      await store.listJobs(ownerA, {}, page);
      await store.listDeliveries(ownerA, {}, page);
      await store.listTargets(ownerA, { page, sort: "id", filters: [] });
      await store.listExecutions(ownerA, { page, filters: [] });
    } finally {
      spy.mockRestore();
    }

    const limited = [...prepared].filter((sql) => /\bLIMIT\b/.test(sql) && !/\bLIMIT \d/.test(sql));
    expect(limited.length).toBeGreaterThanOrEqual(9);
    expect(limited.filter((sql) => !sql.includes("LIMIT +?"))).toEqual([]);
  });

  it("creates the file's directory and opens it in WAL mode with foreign keys on", async () => {
    const { file } = await fresh();

    expect(fs.existsSync(file)).toBe(true);
    const db = new Database(file);
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
  });

  it("records the shipped migrations by version and name, and applies none twice", async () => {
    const { file, store } = await fresh();
    await store.close();

    expect(readAppliedMigrations(file).map(({ version, name }) => `${version}-${name}`)).toEqual([
      "1-events",
      "2-targets",
      "3-executions",
      "4-idempotency-keys",
      "5-server-keys",
      "6-deliveries",
      "7-target-state",
      "8-api-keys",
      "9-jobs",
      "10-master-key-check",
      "11-status-counts",
      "12-job-counts-per-transaction",
    ]);
    const db = new Database(file);
    try {
      expect(migrate(db, loadMigrations())).toEqual([]);
    } finally {
      db.close();
    }
  });

  it("rolls a failing migration back together with its bookkeeping row", async () => {
    const { file, store } = await fresh();
    await store.close();
    const db = new Database(file);
    try {
      const version = Math.max(...loadMigrations().map((migration) => migration.version)) + 1;
      const broken = [{ version, name: "broken", sql: "CREATE TABLE half_done (id TEXT); INSERT INTO nowhere VALUES (1);" }];

      expect(() => migrate(db, broken)).toThrow(`migration ${version}-broken failed`);

      expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").pluck().get()).toBe(0);
      expect(db.prepare("SELECT count(*) FROM schema_migrations WHERE version = ?").pluck().get(version)).toBe(0);
    } finally {
      db.close();
    }
  });

  it("shares positions and expectations between two stores on the same file", async () => {
    const { store, reopen } = await fresh();
    const other = await reopen!();

    await addTarget(store, "t1", targetSpec("alpha"));
    const error = await rejectionOf(addTarget(other, "t1", targetSpec("beta")));
    const [next] = await appendEvents(other, [orderEvent("o1")]);

    expect(error.reason).toBe("concurrent_modification");
    expect(next?.position).toBe(2n);
    expect((await store.getTarget(ownerA, "t1"))?.name).toBe("alpha");
    expect(await store.lastPosition()).toBe(2n);
  });
});
