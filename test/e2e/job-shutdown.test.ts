/**
 * A graceful stop while a job's call hangs: after the grace period the call is
 * aborted, the job is neither failed nor cancelled but released, and the next
 * start on the same file runs it again with the same webhook-id. Real server,
 * real SQLite file, a real sink that holds the first call.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTarget, functionCondition, setExecution, target } from "../support/api-fixtures.js";
import { postJson } from "../support/clients.js";
import { createGate } from "../support/http-probes.js";
import { type Sink, startSink } from "../support/sink.js";
import { type RunningServer, startServer } from "../support/start-server.js";

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe("runner shutdown", () => {
  it("releases a job whose call outlives the grace period; the next start runs it to SUCCEEDED under the same webhook-id", async () => {
    const gate = createGate();
    let calls = 0;
    const sink: Sink = await startSink(async () => {
      calls += 1;
      if (calls === 1) {
        gate.entered();
        await gate.released;
      }
      return { json: { done: true } };
    });
    cleanup.push(() => sink.close());
    const config = { jobPollMs: 50 };
    const first: RunningServer = await startServer({ config });
    const created = await createTarget(first.baseUrl, "hangs-once", { endpoint: sink.url, timeout: "30s", restWebhook: undefined, restCall: { interruptOnError: true } });
    await setExecution(first.baseUrl, functionCondition("hangs"), [target(created.id)]);
    const { job } = (await postJson(first.baseUrl, "JobService/ExecuteJob", { operation: { function: "hangs", input: {} } })).body;
    await gate.waitForEntered(1);

    await first.stop(); // a 1 s grace, then the call is aborted
    gate.release();
    const second = await startServer({ databasePath: first.databasePath, config });
    cleanup.push(() => second.close().then(() => first.close()));

    await expect
      .poll(async () => (await postJson(second.baseUrl, "JobService/GetJob", { id: job.id })).body.job.status, { timeout: 10_000 })
      .toBe("JOB_STATUS_SUCCEEDED");
    const finished = (await postJson(second.baseUrl, "JobService/GetJob", { id: job.id })).body.job;
    expect(finished).toMatchObject({ result: { done: true }, attempts: 2 });
    expect(sink.requests).toHaveLength(2);
    expect(new Set(sink.requests.map((request) => request.headers["webhook-id"])).size).toBe(1);
  });
});
