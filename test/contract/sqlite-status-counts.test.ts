/**
 * SQLite only: the per-status counts of jobs and deliveries (migration 0011)
 * are backfilled when an existing database is upgraded and then always equal
 * counting the tables. Deliveries are counted by triggers, whoever writes;
 * jobs by the store as it writes them (counter-tally.ts, migration 0012), and
 * by a trigger when a row is deleted. The jobs contract
 * (batches-contract.ts) covers writes committed together and rolled back.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { loadMigrations, migrate } from "../../server/store/sqlite/migrate.js";
import { createSqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import type { Store } from "../../server/store/store.js";
import { acceptJob, cancelJob, progressJob, progressOf, retryJob, startJob, succeedJob } from "./job-fixtures.js";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) fs.rmSync(directory, { recursive: true, force: true });
});

function freshFile(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-counts-"));
  directories.push(directory);
  return path.join(directory, "switchyard.db");
}

function insertJob(db: Database.Database, id: string, status: string): void {
  db.prepare(
    "INSERT INTO jobs (resource_owner, id, function, input, async, include_result_schema, max_attempts, status, attempts, " +
      "created_at, next_attempt_at, sequence, change_date) VALUES ('o', ?, 'f', '{}', 1, 0, 3, ?, 0, 1, 1, 1, 1)",
  ).run(id, status);
}

function insertDelivery(db: Database.Database, id: string, status: string): void {
  db.prepare(
    "INSERT INTO deliveries (id, resource_owner, kind, endpoint, body, status, attempt_count, round_attempts, next_attempt_at, " +
      "created_at, updated_at, version) VALUES (?, 'o', 'callback', 'https://example.com/cb', '{}', ?, 0, 0, 1, 1, 1, 1)",
  ).run(id, status);
}

/** Counts by status from the table itself, every status of `zero` present. */
function counted<S extends string>(db: Database.Database, table: string, zero: Record<S, number>): Record<S, number> {
  const counts = { ...zero };
  const rows = db.prepare<[], { status: S; count: number }>(`SELECT status, count(*) AS count FROM ${table} GROUP BY status`).all();
  for (const row of rows) counts[row.status] = row.count;
  return counts;
}

/** Closes `db`, opens the store on `file` and expects `read` to answer `expected` there. */
async function expectOnReopen(db: Database.Database, file: string, read: (store: Store) => Promise<unknown>, expected: unknown): Promise<void> {
  db.close();
  const store = await createSqliteStore({ path: file });
  try {
    expect(await read(store)).toEqual(expected);
  } finally {
    await store.close();
  }
}

const noJobs = { accepted: 0, running: 0, succeeded: 0, partially_failed: 0, failed: 0, cancelled: 0 };
const noDeliveries = { pending: 0, succeeded: 0, failed: 0, dead: 0 };

describe("status counts (SQLite)", () => {
  it("are backfilled from the rows of a database created before them", async () => {
    // given: a database at migration 10 with jobs and deliveries
    const file = freshFile();
    const db = new Database(file);
    migrate(db, loadMigrations().filter((migration) => migration.version <= 10));
    ["accepted", "running", "running", "succeeded"].forEach((status, index) => insertJob(db, `j${index}`, status));
    ["pending", "dead", "dead"].forEach((status, index) => insertDelivery(db, `d${index}`, status));
    db.close();

    // when: the store opens it and applies migration 11
    const store = await createSqliteStore({ path: file });
    try {
      // then
      expect(await store.jobCounts()).toEqual({ ...noJobs, accepted: 1, running: 2, succeeded: 1 });
      expect(await store.deliveryCounts()).toEqual({ ...noDeliveries, pending: 1, dead: 2 });
    } finally {
      await store.close();
    }
  });

  it("follow the jobs the store writes, and deletes", async () => {
    // given
    const file = freshFile();
    const store = await createSqliteStore({ path: file });
    try {
      // when: every status change a job can make, and updates that change no status
      for (let index = 0; index < 30; index++) await acceptJob(store, `j${index}`);
      for (const id of ["j1", "j2", "j3", "j4"]) await startJob(store, id);
      await progressJob(store, "j2", progressOf(2, 1, 0, 1));
      await startJob(store, "j2"); // reclaimed: running again
      await succeedJob(store, "j1");
      await retryJob(store, "j4", new Date(Date.now() + 60_000));
      await cancelJob(store, "j5");
      await cancelJob(store, "j6");

      // then
      expect(await store.jobCounts()).toEqual({ ...noJobs, accepted: 25, running: 2, succeeded: 1, cancelled: 2 });
    } finally {
      await store.close();
    }
    const db = new Database(file);
    try {
      db.exec("DELETE FROM jobs WHERE id IN ('j6', 'j7')");
      const jobs = counted(db, "jobs", noJobs);
      expect(jobs).toEqual({ ...noJobs, accepted: 24, running: 2, succeeded: 1, cancelled: 1 });
      await expectOnReopen(db, file, (store) => store.jobCounts(), jobs);
    } finally {
      if (db.open) db.close();
    }
  });

  it("follow every insert, status change (not other updates) and delete of deliveries", async () => {
    // given
    const file = freshFile();
    const store = await createSqliteStore({ path: file });
    await store.close();
    const db = new Database(file);
    try {
      // when
      for (let index = 0; index < 20; index++) insertDelivery(db, `d${index}`, "pending");
      db.exec("UPDATE deliveries SET status = 'failed' WHERE id IN ('d1', 'd2', 'd3')");
      db.exec("UPDATE deliveries SET status = 'dead' WHERE id = 'd1'");
      db.exec("UPDATE deliveries SET status = status, attempt_count = attempt_count + 1");
      db.exec("UPDATE deliveries SET status = 'succeeded' WHERE id IN ('d4', 'd5')");
      db.exec("DELETE FROM deliveries WHERE id = 'd5'");
      const rolledBack = db.transaction(() => {
        insertDelivery(db, "lost", "failed");
        throw new Error("roll back");
      });
      expect(() => rolledBack()).toThrow("roll back");

      // then
      const deliveries = counted(db, "deliveries", noDeliveries);
      expect(deliveries).toEqual({ ...noDeliveries, pending: 15, failed: 2, dead: 1, succeeded: 1 });
      await expectOnReopen(db, file, (store) => store.deliveryCounts(), deliveries);
    } finally {
      if (db.open) db.close();
    }
  });
});
