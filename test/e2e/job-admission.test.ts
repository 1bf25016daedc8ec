/**
 * Admission (backpressure): when every place of the runner is taken, an
 * ExecuteJob waits for one, first come first served, up to
 * SWITCHYARD_JOB_ADMISSION_WAIT_MS; then it accepts into the store's queue.
 * Real server with two places, a real sink that holds the calls.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../../server/config.js";
import { createTarget, functionCondition, setExecution, target } from "../support/api-fixtures.js";
import { postJson } from "../support/clients.js";
import { createGate } from "../support/http-probes.js";
import { scrapeMetrics } from "../support/prometheus-text.js";
import { type Sink, startSink } from "../support/sink.js";
import { type RunningServer, startServer } from "../support/start-server.js";

const running: { server?: RunningServer; sink?: Sink } = {};

afterEach(async () => {
  await running.server?.close();
  await running.sink?.close();
  running.server = undefined;
  running.sink = undefined;
});

/** A server with two places whose function `held` calls a sink that waits for `gate`. */
async function given(config: Partial<Config>) {
  const gate = createGate();
  const sink = await startSink(async () => {
    gate.entered();
    await gate.released;
    return { json: {} };
  });
  running.sink = sink;
  const server = await startServer({ config: { jobConcurrency: 2, jobPollMs: 50, ...config } });
  running.server = server;
  const created = await createTarget(server.baseUrl, "held", { endpoint: sink.url, timeout: "10s" });
  await setExecution(server.baseUrl, functionCondition("held"), [target(created.id)]);
  const execute = (headers: Record<string, string> = {}) =>
    postJson(server.baseUrl, "JobService/ExecuteJob", { operation: { function: "held", input: {} } }, headers);
  const jobs = async () => (await postJson(server.baseUrl, "JobService/ListJobs", { function: "held" })).body.jobs ?? [];
  return { server, sink, gate, execute, jobs };
}

describe("job admission", () => {
  it("holds an ExecuteJob while every place is taken and accepts it when one comes free", async () => {
    const { server, sink, gate, execute } = await given({ jobAdmissionWaitMs: 10_000 });
    const first = await Promise.all([execute(), execute()]);
    await gate.waitForEntered(2);

    let answered = false;
    const third = execute().then((reply) => ((answered = true), reply));
    await expect.poll(async () => (await scrapeMetrics(server.baseUrl)).value("switchyard_job_runner_admitting")).toBe(1);
    expect(answered).toBe(false);

    gate.release();
    const reply = await third;
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.job.status).toBe("JOB_STATUS_ACCEPTED");
    await expect.poll(() => sink.requests.length).toBe(3);
    for (const { body } of [...first, reply]) {
      await expect.poll(async () => (await postJson(server.baseUrl, "JobService/GetJob", { id: body.job.id })).body.job.status).toBe("JOB_STATUS_SUCCEEDED");
    }
    expect((await scrapeMetrics(server.baseUrl)).value("switchyard_job_runner_admitting")).toBe(0);
  });

  it("accepts into the store's queue after the longest wait, and the job runs as soon as a place is free, not at the next poll", async () => {
    const { server, sink, gate, execute } = await given({ jobAdmissionWaitMs: 200, jobPollMs: 60_000 });
    await Promise.all([execute(), execute()]);
    await gate.waitForEntered(2);

    const started = Date.now();
    const reply = await execute();
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.job.status).toBe("JOB_STATUS_ACCEPTED");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(sink.requests).toHaveLength(2);

    gate.release();
    await expect.poll(async () => (await postJson(server.baseUrl, "JobService/GetJob", { id: reply.body.job.id })).body.job.status, { timeout: 5_000 }).toBe("JOB_STATUS_SUCCEEDED");
    expect(sink.requests).toHaveLength(3);
  });

  it("gives a place that frees to a job queued in the store before one still waiting to be accepted", async () => {
    // One place, so the two cannot run side by side and the order shows who got it.
    const { server, sink, gate, execute } = await given({ jobConcurrency: 1, jobAdmissionWaitMs: 10_000, jobPollMs: 60_000 });
    await execute();
    await gate.waitForEntered(1);
    // A batch never waits: its item is queued in the store. Then an ExecuteJob waits to be accepted.
    const batch = await postJson(server.baseUrl, "JobService/ExecuteBatch", { items: [{ operation: { function: "held", input: { from: "batch" } } }] });
    expect(batch.status, batch.text).toBe(200);
    const waiting = postJson(server.baseUrl, "JobService/ExecuteJob", { operation: { function: "held", input: { from: "waiting" } } });
    await expect.poll(async () => (await scrapeMetrics(server.baseUrl)).value("switchyard_job_runner_admitting")).toBe(1);

    gate.release();

    expect((await waiting).status).toBe(200);
    await expect.poll(() => sink.requests.length, { timeout: 5_000 }).toBe(3);
    const order = sink.requests.slice(1).map((request) => (JSON.parse(request.body) as { input: { from: string } }).input.from);
    expect(order).toEqual(["batch", "waiting"]);
  });

  it("creates nothing when the caller's deadline ends the wait", async () => {
    const { gate, execute, jobs } = await given({ jobAdmissionWaitMs: 10_000 });
    await Promise.all([execute(), execute()]);
    await gate.waitForEntered(2);

    const reply = await execute({ "connect-timeout-ms": "300" });

    expect(reply.status).toBe(504);
    expect(reply.body.code).toBe("deadline_exceeded");
    expect(await jobs()).toHaveLength(2);
    gate.release();
  });

  it("never waits when the wait is 0: the job is accepted at once into the store's queue", async () => {
    const { gate, execute, jobs } = await given({ jobAdmissionWaitMs: 0 });
    await Promise.all([execute(), execute()]);
    await gate.waitForEntered(2);

    const reply = await execute({ "connect-timeout-ms": "300" });

    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.job.status).toBe("JOB_STATUS_ACCEPTED");
    expect(await jobs()).toHaveLength(3);
    gate.release();
  });
});
