import { describe, expect, it } from "vitest";
import { uuidV7 } from "../../server/domain/ids.js";

const shape = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("uuidV7", () => {
  it("is a version 7, variant 10 UUID whose first 48 bits are the time in ms", () => {
    const at = Date.UTC(2026, 11, 5, 16, 0, 0, 123);
    const id = uuidV7(at);
    expect(id).toMatch(shape);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it("keeps ids in order within one millisecond and across many, also when the counter runs out", () => {
    const at = Date.UTC(2030, 0, 1);
    const ids = Array.from({ length: 10_000 }, (_, index) => uuidV7(at + Math.floor(index / 5000)));
    for (const id of ids) expect(id).toMatch(shape);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is later than the ids before it as time goes on", () => {
    const first = uuidV7();
    const later = uuidV7(Date.now() + 1000);
    expect(later > first).toBe(true);
  });
});
