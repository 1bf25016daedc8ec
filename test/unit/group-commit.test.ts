/** The group commit on a real SQLite file: one transaction per turn, a failing write rolled back alone. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGroupCommit } from "../../server/store/sqlite/group-commit.js";

let directory: string;
let db: Database.Database;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "switchyard-group-commit-"));
  db = new Database(join(directory, "test.db"));
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE rows (name TEXT PRIMARY KEY)");
});

afterEach(() => {
  db.close();
  rmSync(directory, { recursive: true });
});

const names = () => db.prepare<[], string>("SELECT name FROM rows ORDER BY rowid").pluck().all();

describe("group commit", () => {
  it("runs the writes of one turn in one transaction and calls their committed callbacks after it, in order, before they resolve", async () => {
    const group = createGroupCommit(db);
    const insert = db.prepare("INSERT INTO rows VALUES (?)");
    const seen: string[] = [];
    const write = (name: string) =>
      group
        .write(
          () => {
            seen.push(`${name} ran in a transaction: ${db.inTransaction}, after ${names().join() || "nothing"}`);
            insert.run(name);
            return name;
          },
          (result) => seen.push(`committed ${result}: in a transaction ${db.inTransaction}`),
        )
        .then((result) => seen.push(`resolved ${result}`));
    await Promise.all([write("a"), write("b"), write("c")]);
    expect(names()).toEqual(["a", "b", "c"]);
    expect(seen).toEqual([
      "a ran in a transaction: true, after nothing",
      "b ran in a transaction: true, after a",
      "c ran in a transaction: true, after a,b",
      "committed a: in a transaction false",
      "committed b: in a transaction false",
      "committed c: in a transaction false",
      "resolved a",
      "resolved b",
      "resolved c",
    ]);
  });

  it("rolls back a failing write alone, its own earlier statements included, and commits the others of its group", async () => {
    const group = createGroupCommit(db);
    const insert = db.prepare("INSERT INTO rows VALUES (?)");
    const runs = new Map<string, number>();
    const committed: string[] = [];
    const write = (...rowNames: string[]) =>
      group.write(
        () => {
          runs.set(rowNames.join(), (runs.get(rowNames.join()) ?? 0) + 1);
          for (const name of rowNames) insert.run(name);
          return rowNames.join();
        },
        (result) => committed.push(result),
      );
    const outcomes = await Promise.allSettled([write("a"), write("b", "a"), write("c")]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed: rows.name/);
    // "b" was inserted before the write failed on "a": it went with it.
    expect(names()).toEqual(["a", "c"]);
    expect(committed).toEqual(["a", "c"]);
    // The group ran together first, then again with a savepoint around each write; the
    // write after the failing one did not run in the first pass.
    expect(Object.fromEntries(runs)).toEqual({ a: 2, "b,a": 2, c: 1 });
  });

  it("runs a failing write that is alone in its group once", async () => {
    const group = createGroupCommit(db);
    db.prepare("INSERT INTO rows VALUES ('a')").run();
    let runs = 0;
    await expect(
      group.write(() => {
        runs++;
        db.prepare("INSERT INTO rows VALUES ('b')").run();
        throw new Error("broken expectation");
      }),
    ).rejects.toThrow("broken expectation");
    expect(runs).toBe(1);
    expect(names()).toEqual(["a"]);
  });

  it("rejects every write of a group whose transaction cannot begin, and writes nothing", async () => {
    const other = new Database(join(directory, "test.db"), { timeout: 0 });
    const contended = new Database(join(directory, "test.db"), { timeout: 0 });
    try {
      other.exec("BEGIN IMMEDIATE");
      const group = createGroupCommit(contended);
      const insert = contended.prepare("INSERT INTO rows VALUES (?)");
      const outcomes = await Promise.allSettled(["a", "b"].map((name) => group.write(() => insert.run(name))));
      expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "rejected"]);
      expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/database is locked/);
      other.exec("ROLLBACK");
      expect(names()).toEqual([]);
    } finally {
      other.close();
      contended.close();
    }
  });
});
