/** Configuration from defaults, a file and the environment. */
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { defaultConfig, loadConfig, parseSchedule, targetAllowOf } from "../../server/config.js";

describe("loadConfig", () => {
  it("allows loopback targets in development and nothing in production unless SWITCHYARD_TARGET_ALLOW says so", () => {
    expect(targetAllowOf(loadConfig({}))).toEqual(["127.0.0.0/8", "::1/128"]);
    expect(targetAllowOf(loadConfig({ SWITCHYARD_ENV: "production" }))).toEqual([]);
    expect(targetAllowOf(loadConfig({ SWITCHYARD_ENV: "production", SWITCHYARD_TARGET_ALLOW: "10.1.0.0/16, 192.168.7.7" }))).toEqual([
      "10.1.0.0/16",
      "192.168.7.7",
    ]);
    expect(targetAllowOf(loadConfig({ SWITCHYARD_TARGET_ALLOW: "" }))).toEqual([]);
  });

  it("refuses a bad CIDR range naming it", () => {
    expect(() => loadConfig({ SWITCHYARD_TARGET_ALLOW: "127.0.0.0/8,localhost" })).toThrow(/"localhost"/);
  });

  it("reads the delivery schedule and numbers from the environment", () => {
    const config = loadConfig({
      SWITCHYARD_DELIVERY_SCHEDULE: "250ms, 5s,2m,1h",
      SWITCHYARD_DELIVERY_CONCURRENCY: "8",
      SWITCHYARD_DELIVERY_POLL_MS: "50",
      SWITCHYARD_INTERCEPTION: "off",
    });

    expect(config.deliverySchedule).toEqual([250, 5_000, 120_000, 3_600_000]);
    expect(config.deliveryConcurrency).toBe(8);
    expect(config.deliveryPollMs).toBe(50);
    expect(config.interception).toBe(false);
    expect(defaultConfig.deliverySchedule).toEqual(parseSchedule("x", "5s,30s,2m,10m,30m,2h,6h"));
  });

  it("refuses a schedule entry that is not a duration", () => {
    expect(() => parseSchedule("SWITCHYARD_DELIVERY_SCHEDULE", "5s,soon")).toThrow(/SWITCHYARD_DELIVERY_SCHEDULE: "soon" is not a duration/);
  });

  it("makes calls on one thread by default (none on one core), reads SWITCHYARD_CALL_THREADS and refuses a count that is not 0..64", () => {
    expect(loadConfig({}).callThreads).toBe(availableParallelism() > 1 ? 1 : 0);
    expect(loadConfig({ SWITCHYARD_CALL_THREADS: "0" }).callThreads).toBe(0);
    expect(loadConfig({ SWITCHYARD_CALL_THREADS: "4" }).callThreads).toBe(4);
    for (const bad of ["-1", "1.5", "65"]) {
      expect(() => loadConfig({ SWITCHYARD_CALL_THREADS: bad })).toThrow(/SWITCHYARD_CALL_THREADS \(callThreads\) must be an integer 0..64/);
    }
  });
});
