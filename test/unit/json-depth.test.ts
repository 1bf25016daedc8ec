/**
 * Client JSON (event payloads, job inputs) may nest at most 32 levels, so that
 * binary clients can always decode what was stored.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { decideAcceptJob } from "../../server/domain/job.js";
import { jsonDepth, maxJsonDepth } from "../../server/domain/json-depth.js";
import { decidePushEvent } from "../../server/domain/pushed-event.js";
import { thrownBy } from "./thrown.js";

/** `{"a": {"a": … 1}}`, built without recursion. */
function nested(levels: number): JsonObject {
  let value: JsonObject = { a: 1 };
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

describe("jsonDepth", () => {
  it.each([
    [1, 0],
    ["x", 0],
    [null, 0],
    [{}, 1],
    [[], 1],
    [{ a: 1 }, 1],
    [{ a: [1] }, 2],
    [{ a: {}, b: { c: [{}] } }, 4],
  ])("%j is %i deep", (value, depth) => {
    expect(jsonDepth(value)).toBe(depth);
  });

  it("measures 100,000 levels without exhausting the stack", () => {
    expect(jsonDepth(nested(100_000))).toBe(100_000);
  });
});

describe("decisions on client JSON", () => {
  const pushed = { type: "order.placed", aggregateType: "order", aggregateId: "o-1" };
  const spec = { function: "f", async: true, includeResultSchema: false, maxAttempts: 3 };

  it("accepts an event payload and a job input exactly 32 levels deep", () => {
    expect(maxJsonDepth).toBe(32);
    expect(decidePushEvent({ ...pushed, payload: nested(32) }).type).toBe("order.placed");
    expect(decideAcceptJob("j-1", { ...spec, input: nested(32) }).type).toBe("job.accepted");
  });

  it("refuses deeper JSON with INVALID_ARGUMENT json_too_deep, naming the field (and a batch item)", () => {
    const payload = thrownBy(() => decidePushEvent({ ...pushed, payload: nested(33) }));
    const input = thrownBy(() => decideAcceptJob("j-1", { ...spec, input: nested(40) }));
    const item = thrownBy(() => decideAcceptJob("j-2", { ...spec, input: nested(33), batchId: "b-1", batchIndex: 7 }));

    expect(payload).toMatchObject({ kind: "invalid_argument", reason: "json_too_deep", metadata: { field: "payload", depth: "33", limit: "32" } });
    expect(input).toMatchObject({ reason: "json_too_deep", metadata: { field: "operation.input", depth: "40" } });
    expect(item).toMatchObject({ reason: "json_too_deep", metadata: { field: "items[7].operation.input" } });
  });
});
