/** Rate-limit configuration: environment defaults, variables, and bad values. */
import { describe, expect, it } from "vitest";
import { defaultConfig, loadConfig, rateLimitsOf } from "../../server/config.js";

describe("rate limit configuration", () => {
  it("is unlimited in development and generous in production unless configured", () => {
    expect(rateLimitsOf(loadConfig({}))).toEqual({});
    expect(rateLimitsOf({ env: "production" })).toEqual({
      default: { name: "default", perSecond: 1000, burst: 2000 },
      execute: { name: "execute", perSecond: 500, burst: 1000 },
    });
    expect(defaultConfig.maxStreamsPerPrincipal).toBe(16);
  });

  it("reads rates, bursts and the stream cap from the environment; the burst defaults to twice the rate", () => {
    const config = loadConfig({
      SWITCHYARD_RATE_LIMIT: "50",
      SWITCHYARD_EXECUTE_RATE_LIMIT: "5",
      SWITCHYARD_EXECUTE_RATE_BURST: "20",
      SWITCHYARD_MAX_STREAMS_PER_PRINCIPAL: "4",
    });

    expect(rateLimitsOf(config)).toEqual({
      default: { name: "default", perSecond: 50, burst: 100 },
      execute: { name: "execute", perSecond: 5, burst: 20 },
    });
    expect(config.maxStreamsPerPrincipal).toBe(4);
  });

  it("turns a budget off with a rate of 0, in production too", () => {
    expect(rateLimitsOf({ env: "production", rateLimit: 0 })).toEqual({ execute: { name: "execute", perSecond: 500, burst: 1000 } });
  });

  it("refuses a negative rate, a burst under one and a fractional stream cap", () => {
    expect(() => loadConfig({ SWITCHYARD_RATE_LIMIT: "-1" })).toThrow(/rate limit "default" must be ≥ 0/);
    expect(() => loadConfig({ SWITCHYARD_EXECUTE_RATE_LIMIT: "5", SWITCHYARD_EXECUTE_RATE_BURST: "0" })).toThrow(/burst "execute" must be ≥ 1/);
    expect(() => loadConfig({ SWITCHYARD_MAX_STREAMS_PER_PRINCIPAL: "1.5" })).toThrow(/maxStreamsPerPrincipal/);
  });
});
