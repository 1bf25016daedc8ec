/**
 * What `bench:store` and `bench:writers` drive: the real job commands, runner
 * and SQLite store on one database file, with an engine whose chain calls no
 * one (its one target "answers" at once). What is left is what a job costs
 * besides its RPC and its webhook call: accept (with admission and a lease),
 * claim, start, succeed, close the batch.
 */
import { createJobCommands } from "../server/commands/job-commands.js";
import type { Target } from "../server/domain/target.js";
import type { Engine } from "../server/engine/engine.js";
import { createJobRunner } from "../server/engine/job-runner.js";
import { createSqliteStore } from "../server/store/sqlite/sqlite-store.js";
import type { Store } from "../server/store/store.js";

export const batchSize = 1_000;
const actor = { resourceOwner: "default", subject: "bench" };
const input = { orderId: 42, items: ["a", "b"] };
const target = { id: "sink", name: "sink", state: "active" } as Target;

export interface StoreHarness {
  readonly store: Store;
  /**
   * Accepts `count` async jobs from `callers` closed-loop callers; resolves
   * when the last was accepted, with the errors of the accepts that threw.
   */
  acceptJobs(count: number, callers: number): Promise<unknown[]>;
  /** Accepts `count` batches of {@link batchSize} items, `atOnce` at a time, each after the previous one of its caller completed. */
  runBatches(count: number, atOnce: number): Promise<void>;
  /** Called with each `job.succeeded` this store appended. */
  onSucceeded(listener: () => void): void;
  close(): Promise<void>;
}

/** Opens the store at `path` and starts a runner with 64 places on it. */
export async function createStoreHarness(path: string): Promise<StoreHarness> {
  const store = await createSqliteStore({ path });
  const engine: Pick<Engine, "router" | "runChain"> = {
    router: { functionTargets: () => [target] } as unknown as Engine["router"],
    async runChain(run) {
      await run.onStep?.(0, undefined);
      return { payload: null, ignoredFailures: [] };
    },
  };
  const runner = createJobRunner({ store, engine, concurrency: 64, leaseMs: 30_000, pollMs: 1_000, admissionWaitMs: 1_000 });
  const commands = createJobCommands({ store, router: engine.router, runner, defaultMaxAttempts: 3 });
  const succeeded: (() => void)[] = [];
  const batchWaiters = new Map<string, () => void>();
  store.subscribe((events) => {
    for (const event of events) {
      if (event.type === "job.succeeded") for (const listener of succeeded) listener();
      if (event.type === "batch.completed") batchWaiters.get(event.aggregateId)?.();
    }
  });
  runner.start();
  // The runner's timers do not keep a process alive (a server's socket does).
  const keepAlive = setInterval(() => {}, 1_000);
  const items = Array.from({ length: batchSize }, (_, index) => ({ function: "bench-batch", input: { ...input, index } }));

  return {
    store,
    async acceptJobs(count, callers) {
      let next = 0;
      const errors: unknown[] = [];
      await Promise.all(
        Array.from({ length: callers }, async () => {
          while (next++ < count) {
            await commands
              .executeJob(actor, { function: "bench-job", input, async: true, includeResultSchema: false })
              .catch((error: unknown) => void errors.push(error));
          }
        }),
      );
      return errors;
    },
    async runBatches(count, atOnce) {
      let next = 0;
      await Promise.all(
        Array.from({ length: atOnce }, async () => {
          while (next++ < count) {
            // Closed loop, as in bench:jobs: the next batch once this one completed.
            const batch = await commands.executeBatch(actor, { items, includeResultSchema: false });
            await new Promise<void>((resolve) => batchWaiters.set(batch.id, resolve));
          }
        }),
      );
    },
    onSucceeded: (listener) => void succeeded.push(listener),
    async close() {
      clearInterval(keepAlive);
      await runner.stop(1_000);
      await store.close();
    },
  };
}
