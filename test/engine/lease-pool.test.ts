/** The lease pool's places: an item about to end lets the next claim join its last write. */
import { describe, expect, it } from "vitest";
import { createLeasePool } from "../../server/engine/lease-pool.js";

interface Item {
  readonly id: string;
}

/** A pool of `concurrency` places over a queue of items waiting in the store; each item's work waits for `finish(id)`. */
function poolOver(waiting: string[], concurrency = 1) {
  const log: string[] = [];
  const finishers = new Map<string, () => void>();
  const pool = createLeasePool<Item>({
    concurrency,
    pollMs: 60_000,
    noun: "item",
    key: (item) => item.id,
    async claim(limit) {
      const claimed = waiting.splice(0, limit).map((id) => ({ id }));
      log.push(`claim ${limit} → ${claimed.map((item) => item.id).join(",") || "nothing"}`);
      return claimed;
    },
    nextDueAt: async () => undefined,
    work: (item) =>
      new Promise<void>((resolve) => {
        log.push(`start ${item.id}`);
        finishers.set(item.id, () => {
          log.push(`end ${item.id}`);
          resolve();
        });
      }),
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  return { pool, log, finish: (id: string) => finishers.get(id)!(), settle };
}

describe("lease pool", () => {
  it("claims the next item as soon as the working one is ending, and starts it only once its place is free", async () => {
    // given: one place, three items waiting in the store; the first is claimed and working
    const { pool, log, finish, settle } = poolOver(["a", "b", "c"]);
    pool.start();
    await settle();
    expect(log).toEqual(["claim 1 → a", "start a"]);
    expect(pool.room()).toBe(0);

    // when: a is about to end (its last write is being queued)
    pool.ending("a");
    // then: its place counts as free, and b is claimed in the same turn, before a has ended...
    expect(pool.room()).toBe(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(["claim 1 → a", "start a", "claim 1 → b"]);
    // ...but waits: one place means one item working
    await settle();
    expect(log).not.toContain("start b");
    expect(pool.stats()).toEqual({ working: 1, queued: 1 });

    // when: a ends
    finish("a");
    await settle();
    // then: b starts in its place
    expect(log).toEqual(["claim 1 → a", "start a", "claim 1 → b", "end a", "start b"]);
    await pool.stop(0);
  });

  it("claims nothing early when nothing is known to wait in the store", async () => {
    // given: two places and one item: the claim came back short, so nothing waits in the store
    const { pool, log, finish, settle } = poolOver(["a"], 2);
    pool.start();
    await settle();
    expect(log).toEqual(["claim 2 → a", "start a"]);

    // when: a is about to end
    pool.ending("a");
    await settle();

    // then: its place counts as free, but nothing is claimed for it
    expect(pool.room()).toBe(2);
    expect(log).toEqual(["claim 2 → a", "start a"]);
    finish("a");
    await settle();
    expect(log).toEqual(["claim 2 → a", "start a", "end a"]);
    await pool.stop(0);
  });
});
