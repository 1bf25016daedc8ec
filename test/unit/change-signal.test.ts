import { describe, expect, it } from "vitest";
import { createChangeSignal } from "../../server/api/async-queue.js";

describe("change signal", () => {
  it("folds the raises made while the consumer is busy into one, and always yields after the last", async () => {
    const changed = createChangeSignal();
    const stop = new AbortController();
    const seen: number[] = [];
    let raises = 0;
    const consumer = (async () => {
      for await (const _ of changed.changes(stop.signal)) {
        seen.push(raises);
        // Busy with the change: 1,000 more raises meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    changed.raise();
    raises = 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (; raises < 1_001; raises++) changed.raise();
    await expect.poll(() => seen.length).toBe(2);
    // Nothing more comes of the burst.
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort();
    await consumer;

    // One turn for the first raise, one for the burst of 1,000, none more.
    expect(seen).toEqual([1, 1_001]);
  });

  it("waits while nothing is raised and ends when its signal aborts", async () => {
    const changed = createChangeSignal();
    const stop = new AbortController();
    let turns = 0;
    const consumer = (async () => {
      for await (const _ of changed.changes(stop.signal)) turns++;
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    await consumer;
    expect(turns).toBe(0);
  });
});
