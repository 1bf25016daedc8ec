/**
 * Closing a batch: the real job commands, runner and SQLite store (on a temp
 * file), with an engine whose chain answers at once, so many of a batch's jobs
 * end in the same group commit.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createJobCommands } from "../../server/commands/job-commands.js";
import type { Target } from "../../server/domain/target.js";
import type { Engine } from "../../server/engine/engine.js";
import { createJobRunner } from "../../server/engine/job-runner.js";
import { createSqliteStore } from "../../server/store/sqlite/sqlite-store.js";

const actor = { resourceOwner: "default", subject: "test" };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("closing a batch", () => {
  it("checks a batch once for the jobs that ended together, and completes it with one attempt", async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-batch-close-"));
    const store = await createSqliteStore({ path: path.join(directory, "db.sqlite") });
    const engine: Pick<Engine, "router" | "runChain"> = {
      router: { functionTargets: () => [{ id: "t1", name: "t1", state: "active" } as Target] } as unknown as Engine["router"],
      async runChain(run) {
        await run.onStep?.(0, undefined);
        return { payload: null, ignoredFailures: [] };
      },
    };
    const runner = createJobRunner({ store, engine, concurrency: 64, leaseMs: 30_000, pollMs: 50 });
    const commands = createJobCommands({ store, router: engine.router, runner, defaultMaxAttempts: 3 });
    runner.start();
    cleanups.push(async () => {
      await runner.stop(1_000);
      await store.close();
      fs.rmSync(directory, { recursive: true, force: true });
    });
    // Counts the batch reads (the store itself stays real).
    let batchReads = 0;
    const getBatch = store.getBatch.bind(store);
    store.getBatch = (owner, id) => {
      batchReads++;
      return getBatch(owner, id);
    };

    // Counts the attempts to complete a batch.
    const completions = new Map<string, number>();
    const append = store.append.bind(store);
    store.append = (request) => {
      for (const event of request.events) {
        if (event.type === "batch.completed") completions.set(event.aggregateId, (completions.get(event.aggregateId) ?? 0) + 1);
      }
      return append(request);
    };

    // Three batches at once: the runner's claims, made while jobs of the others end, check for finished batches too.
    const items = Array.from({ length: 300 }, (_, index) => ({ function: "f", input: { index } }));
    const batches = await Promise.all([1, 2, 3].map(() => commands.executeBatch(actor, { items, includeResultSchema: false })));

    for (const batch of batches) {
      await expect.poll(async () => (await getBatch("default", batch.id))?.status, { timeout: 10_000 }).toBe("succeeded");
      const completed = await store.listEvents("default", { aggregateType: "batch", aggregateId: batch.id, types: ["batch.completed"] }, { offset: 0, limit: 10, asc: true });
      expect(completed.items).toHaveLength(1);
      // Completed by one attempt: two would make the second fail on its expectation (and its group commit run again).
      expect(completions.get(batch.id)).toBe(1);
    }
    // One read per group of jobs that ended together, not one per job.
    expect(batchReads).toBeGreaterThan(0);
    expect(batchReads).toBeLessThan((3 * items.length) / 4);
  });
});
