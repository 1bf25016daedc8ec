/**
 * `switchyard batches …`: the real binary against a real server, with a real
 * sink as the function's target.
 */
import { describe, expect, it } from "vitest";
import { createTarget, functionCondition, setExecution, target } from "../support/api-fixtures.js";
import { ok, useCliServer } from "../support/run-cli.js";
import type { Sink } from "../support/sink.js";

const { server, cli, startSink } = useCliServer();
let sink: Sink | undefined;

/** Given: function `name` on a call target that echoes its input with `enriched: true`, refusing (400) inputs with `fail`. */
async function givenFunction(name: string): Promise<void> {
  sink = await startSink((request) => {
    const { input } = JSON.parse(request.body) as { input: Record<string, unknown> };
    return input.fail ? { status: 400, json: { error: "refused" } } : { json: { ...input, enriched: true } };
  });
  const created = await createTarget(server.baseUrl, `${name}-target`, { endpoint: sink.url, restWebhook: undefined, restCall: { interruptOnError: true } });
  await setExecution(server.baseUrl, functionCondition(name), [target(created.id)]);
}

describe("switchyard batches run --wait", () => {
  it("runs one job per input, exits 0 when every job succeeded; items lists them in order", async () => {
    await givenFunction("enrich");

    const run = ok(await cli("batches", "run", "enrich", "--input", '[{"n":1},{"n":2},{"n":3}]', "--wait"));

    const { batch } = run.json();
    expect(batch).toMatchObject({ status: "JOB_STATUS_SUCCEEDED", progress: { total: 3, succeeded: 3 } });
    expect(run.stderr).toContain(`batch ${batch.id}: succeeded, 3/3 done (ok 3, failed 0)`);
    const items = ok(await cli("batches", "items", batch.id)).json();
    expect(items.items.map((item: { job: { result: unknown } }) => item.job.result)).toEqual([
      { n: 1, enriched: true },
      { n: 2, enriched: true },
      { n: 3, enriched: true },
    ]);
  });

  it("exits 3 when some jobs failed (PARTIALLY_FAILED); items --status finds the failed one", async () => {
    await givenFunction("strict");
    const items = [{ operation: { function: "strict", input: { n: 1 } } }, { operation: { function: "strict", input: { fail: true } }, jobId: "bad-one" }];

    const run = await cli("batches", "run", "--input", JSON.stringify(items), "--wait");

    expect(run.code, run.stderr).toBe(3);
    const { batch } = run.json();
    expect(batch).toMatchObject({ status: "JOB_STATUS_PARTIALLY_FAILED", progress: { succeeded: 1, failed: 1 } });
    const failed = ok(await cli("batches", "items", batch.id, "--status", "failed")).json();
    expect(failed.items.map((item: { index?: number; job: { id: string } }) => [item.index, item.job.id])).toEqual([[1, "bad-one"]]);
    const fetched = ok(await cli("batches", "get", batch.id, "-o", "table"));
    expect(fetched.stdout).toMatch(/^status: +partially-failed$/m);
  });

  it("refuses a batch whose item names an unbound function, naming the item", async () => {
    await givenFunction("enrich");
    const items = [{ operation: { function: "enrich" } }, { operation: { function: "nowhere" } }];

    const run = await cli("batches", "run", "--input", JSON.stringify(items));

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: failed_precondition: .*\(function_not_bound\)\n/);
    expect(run.stderr).toContain("field=items[1].operation.function");
  });
});
