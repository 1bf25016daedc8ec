/** Circuit breakers with a fake clock. */
import { describe, expect, it } from "vitest";
import { createCircuitBreakers } from "../../server/engine/circuit-breaker.js";

function setup() {
  let time = 1_000_000;
  const breakers = createCircuitBreakers({ failureThreshold: 3, cooldownMs: 10_000, now: () => time });
  return { breakers, advance: (ms: number) => (time += ms) };
}

describe("circuit breakers", () => {
  it("stay closed below the threshold, and a success resets the count", () => {
    const { breakers } = setup();
    breakers.recordFailure("t");
    breakers.recordFailure("t");
    breakers.recordSuccess("t");
    breakers.recordFailure("t");
    breakers.recordFailure("t");

    expect(breakers.state("t")).toBe("closed");
    expect(breakers.canCall("t")).toEqual({ allowed: true });
  });

  it("open after the threshold of consecutive failures and refuse calls until the cooldown ends", () => {
    const { breakers, advance } = setup();
    for (let i = 0; i < 3; i++) breakers.recordFailure("t");

    expect(breakers.state("t")).toBe("open");
    expect(breakers.canCall("t")).toEqual({ allowed: false, retryAfterMs: 10_000 });
    advance(4_000);
    expect(breakers.canCall("t")).toEqual({ allowed: false, retryAfterMs: 6_000 });
    expect(breakers.canCall("other")).toEqual({ allowed: true });
  });

  it("half-open after the cooldown with exactly one trial; its success closes the breaker", () => {
    const { breakers, advance } = setup();
    for (let i = 0; i < 3; i++) breakers.recordFailure("t");
    advance(10_000);

    expect(breakers.state("t")).toBe("half_open");
    expect(breakers.canCall("t")).toEqual({ allowed: true });
    expect(breakers.canCall("t").allowed).toBe(false);
    breakers.recordSuccess("t");
    expect(breakers.state("t")).toBe("closed");
    expect(breakers.canCall("t")).toEqual({ allowed: true });
  });

  it("re-open for a fresh cooldown when the trial fails", () => {
    const { breakers, advance } = setup();
    for (let i = 0; i < 3; i++) breakers.recordFailure("t");
    advance(10_000);
    breakers.canCall("t");

    breakers.recordFailure("t");

    expect(breakers.state("t")).toBe("open");
    expect(breakers.canCall("t")).toEqual({ allowed: false, retryAfterMs: 10_000 });
  });
});
