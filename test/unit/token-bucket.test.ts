/** Token buckets and stream slots: pure bookkeeping on an injected clock. */
import { describe, expect, it } from "vitest";
import { createStreamSlots } from "../../server/api/stream-slots.js";
import { createTokenBuckets } from "../../server/api/token-bucket.js";

function fakeClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("token buckets", () => {
  it("allows a full burst at once, then refuses with the wait for the next token", () => {
    const clock = fakeClock();
    const buckets = createTokenBuckets({ name: "default", perSecond: 10, burst: 3 }, { now: clock.now });

    const taken = [buckets.take("a"), buckets.take("a"), buckets.take("a")];
    const refused = buckets.take("a");

    expect(taken).toEqual([0, 0, 0]);
    expect(refused).toBe(100);
  });

  it("refills at the rate, never above the burst", () => {
    const clock = fakeClock();
    const buckets = createTokenBuckets({ name: "default", perSecond: 10, burst: 3 }, { now: clock.now });
    for (let i = 0; i < 3; i++) buckets.take("a");

    clock.advance(40);
    const tooEarly = buckets.take("a");
    clock.advance(60);
    const refilled = buckets.take("a");
    clock.advance(60_000);
    const afterQuietSpell = [0, 1, 2, 3].map(() => buckets.take("a"));

    expect(tooEarly).toBe(60);
    expect(refilled).toBe(0);
    expect(afterQuietSpell).toEqual([0, 0, 0, 100]);
  });

  it("keeps one bucket per key", () => {
    const clock = fakeClock();
    const buckets = createTokenBuckets({ name: "default", perSecond: 1, burst: 1 }, { now: clock.now });

    const first = [buckets.take("owner-a\0alice"), buckets.take("owner-a\0alice")];
    const other = buckets.take("owner-b\0alice");

    expect(first).toEqual([0, 1000]);
    expect(other).toBe(0);
  });

  it("a refused request takes nothing: a steady caller over the rate still gets the rate", () => {
    const clock = fakeClock();
    const buckets = createTokenBuckets({ name: "default", perSecond: 100, burst: 1 }, { now: clock.now });
    let allowed = 0;

    for (let ms = 0; ms < 1000; ms++) {
      // three attempts per millisecond, 3,000/s against a 100/s budget
      for (let attempt = 0; attempt < 3; attempt++) if (buckets.take("a") === 0) allowed++;
      clock.advance(1);
    }

    expect(allowed).toBe(100);
  });

  it("drops buckets that refilled completely when it sweeps", () => {
    const clock = fakeClock();
    const buckets = createTokenBuckets({ name: "default", perSecond: 10, burst: 10 }, { now: clock.now, sweepIntervalMs: 1_000 });
    buckets.take("idle");
    buckets.take("busy");

    clock.advance(1_000);
    for (let i = 0; i < 10; i++) buckets.take("busy");

    expect(buckets.size).toBe(1);
  });

  it("refuses a policy that could never allow a request", () => {
    expect(() => createTokenBuckets({ name: "default", perSecond: 0, burst: 1 })).toThrow(/perSecond must be > 0/);
    expect(() => createTokenBuckets({ name: "default", perSecond: 1, burst: 0.5 })).toThrow(/burst ≥ 1/);
  });
});

describe("stream slots", () => {
  it("allows max streams per key and frees a slot on release", () => {
    const slots = createStreamSlots(2);

    const opened = [slots.acquire("a"), slots.acquire("a"), slots.acquire("a"), slots.acquire("b")];
    slots.release("a");
    const reopened = slots.acquire("a");

    expect(opened).toEqual([true, true, false, true]);
    expect(reopened).toBe(true);
    expect(slots.open("a")).toBe(2);
  });

  it("forgets a key with no open stream", () => {
    const slots = createStreamSlots(1);
    slots.acquire("a");
    slots.release("a");

    expect(slots.open("a")).toBe(0);
  });
});
