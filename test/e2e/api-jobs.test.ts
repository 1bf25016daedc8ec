/**
 * Jobs end to end: real server, real sinks as the function's targets, calls
 * over Connect JSON, gRPC (grpc-js) and gRPC-web.
 */
import { afterEach, describe, expect, it } from "vitest";
import { JobStatus } from "../../gen/switchyard/v1/job_pb.js";
import { createTarget, errorInfoOf, functionCondition, setExecution, target } from "../support/api-fixtures.js";
import { createGrpcClients, createGrpcWebClients, postJson } from "../support/clients.js";
import { type Sink, type SinkResponder, startSink } from "../support/sink.js";
import { useServer } from "../support/use-server.js";

const server = useServer("each");
const sinks: Sink[] = [];

afterEach(async () => {
  for (const sink of sinks.splice(0)) await sink.close();
});

async function sinkTarget(name: string, kind: "restCall" | "restWebhook", responder: SinkResponder, interruptOnError = true) {
  const sink = await startSink(responder);
  sinks.push(sink);
  const created = await createTarget(server.baseUrl, name, { endpoint: sink.url, timeout: "5s", restWebhook: undefined, [kind]: { interruptOnError } });
  return { ...created, sink };
}

async function call(method: string, body: unknown): Promise<any> {
  const reply = await postJson(server.baseUrl, method, body);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

/** A call target that adds `field: value` to the input it is given. */
const adding = (field: string, value: unknown): SinkResponder => (request) => {
  const body = JSON.parse(request.body) as { input: Record<string, unknown> };
  return { json: { ...body.input, [field]: value } };
};

describe("ExecuteJob", () => {
  it("runs a three-step chain synchronously, each call's output the next input, the last the result", async () => {
    const steps = [await sinkTarget("one", "restCall", adding("a", 1)), await sinkTarget("two", "restCall", adding("b", 2)), await sinkTarget("three", "restCall", adding("c", 3))];
    await setExecution(server.baseUrl, functionCondition("enrich"), steps.map((step) => target(step.id)));

    const { job } = await call("JobService/ExecuteJob", { operation: { function: "enrich", input: { start: true } }, async: false });

    expect(job).toMatchObject({
      status: "JOB_STATUS_SUCCEEDED",
      result: { start: true, a: 1, b: 2, c: 3 },
      progress: { total: 3, succeeded: 3 },
      attempts: 1,
    });
    const seen = steps[2]!.sink.verified(steps[2]!.sink.requests[0]!, steps[2]!.signingKey) as Record<string, unknown>;
    expect(seen).toEqual({ function: "enrich", jobId: job.id, input: { start: true, a: 1, b: 2 } });
  });

  it("answers an async job at once as ACCEPTED, then it succeeds; GetJob and ListJobs show it", async () => {
    const step = await sinkTarget("slowish", "restCall", () => ({ json: { done: true }, delayMs: 200 }));
    await setExecution(server.baseUrl, functionCondition("later"), [target(step.id)]);

    const { job } = await call("JobService/ExecuteJob", { operation: { function: "later", input: { n: 1 } }, idempotencyKey: "later-1" });
    expect(job.status).toBe("JOB_STATUS_ACCEPTED");
    // The answer is the job as stored: what GetJob shows of it, and what a repeat of the key answers.
    const stored = (await call("JobService/GetJob", { id: job.id })).job;
    const { status, progress, startedAt, details, ...fixed } = job;
    expect(stored).toMatchObject(fixed);
    expect(details).toMatchObject({ sequence: "1", resourceOwner: "default" });
    expect((await call("JobService/ExecuteJob", { operation: { function: "later", input: { n: 1 } }, idempotencyKey: "later-1" })).job.id).toBe(job.id);

    await expect.poll(async () => (await call("JobService/GetJob", { id: job.id })).job.status, { timeout: 5000 }).toBe("JOB_STATUS_SUCCEEDED");
    const listed = await call("JobService/ListJobs", { statuses: ["JOB_STATUS_SUCCEEDED"], function: "later" });
    expect(listed.jobs.map((listedJob: { id: string }) => listedJob.id)).toEqual([job.id]);
  });

  it("fails on an interrupting step's failure, naming the target; goes past a non-interrupting one", async () => {
    const broken = await sinkTarget("broken", "restCall", () => ({ status: 422, json: { no: true } }));
    const tolerant = await sinkTarget("tolerant", "restWebhook", () => ({ status: 500 }), false);
    const last = await sinkTarget("last", "restCall", adding("ok", true));
    await setExecution(server.baseUrl, functionCondition("strict"), [target(broken.id), target(last.id)]);
    await setExecution(server.baseUrl, functionCondition("lenient"), [target(tolerant.id), target(last.id)]);

    const strict = (await call("JobService/ExecuteJob", { operation: { function: "strict", input: {} }, async: false, maxAttempts: 1 })).job;
    const lenient = (await call("JobService/ExecuteJob", { operation: { function: "lenient", input: { x: 1 } }, async: false })).job;

    expect(strict).toMatchObject({ status: "JOB_STATUS_FAILED", error: { code: "http_status", targetId: broken.id } });
    expect(last.sink.requests).toHaveLength(1);
    expect(lenient).toMatchObject({ status: "JOB_STATUS_SUCCEEDED", result: { x: 1, ok: true }, progress: { total: 2, succeeded: 1, failed: 1 } });
  });

  it("starts a job that finds a free place in the same commit that accepts it, and appends no second start", async () => {
    const step = await sinkTarget("quick", "restWebhook", () => ({ status: 204 }));
    await setExecution(server.baseUrl, functionCondition("quick"), [target(step.id)]);

    const { job } = await call("JobService/ExecuteJob", { operation: { function: "quick", input: {} }, async: false });

    expect(job).toMatchObject({ status: "JOB_STATUS_SUCCEEDED", attempts: 1, startedAt: job.createdAt, progress: { total: 1, succeeded: 1 } });
    const { events } = await call("EventService/ListEvents", { filter: { aggregateType: "job", aggregateId: job.id }, pagination: { asc: true } });
    expect(events.map((event: { type: string }) => event.type)).toEqual(["job.accepted", "job.started", "job.succeeded"]);
    const [accepted, started] = events as { position: string; createdAt: string; payload: { attempt?: number } }[];
    // One transaction: consecutive positions, one time.
    expect(BigInt(started!.position)).toBe(BigInt(accepted!.position) + 1n);
    expect(started!.createdAt).toBe(accepted!.createdAt);
    expect(started!.payload.attempt).toBe(1);
  });

  it("retries a retryable failure (503) up to maxAttempts with the same webhook-id per step", async () => {
    let calls = 0;
    const flaky = await sinkTarget("flaky", "restCall", () => (++calls < 3 ? { status: 503 } : { json: { fine: true } }));
    await setExecution(server.baseUrl, functionCondition("flaky"), [target(flaky.id)]);

    const { job } = await call("JobService/ExecuteJob", { operation: { function: "flaky", input: {} }, maxAttempts: 3 });

    await expect.poll(async () => (await call("JobService/GetJob", { id: job.id })).job.status, { timeout: 15_000 }).toBe("JOB_STATUS_SUCCEEDED");
    expect((await call("JobService/GetJob", { id: job.id })).job.attempts).toBe(3);
    expect(new Set(flaky.sink.requests.map((request) => request.headers["webhook-id"])).size).toBe(1);
  }, 20_000);

  it("refuses an unbound function with FAILED_PRECONDITION function_not_bound and creates nothing", async () => {
    const reply = await postJson(server.baseUrl, "JobService/ExecuteJob", { operation: { function: "nowhere", input: {} } });

    expect(reply.status).toBe(400);
    expect(errorInfoOf(reply)?.reason).toBe("function_not_bound");
    expect((await call("JobService/ListJobs", {})).jobs ?? []).toEqual([]);
  });

  it("refuses a client-chosen job id that exists with ALREADY_EXISTS", async () => {
    const step = await sinkTarget("id", "restWebhook", () => ({ json: {} }));
    await setExecution(server.baseUrl, functionCondition("f"), [target(step.id)]);
    await call("JobService/ExecuteJob", { operation: { function: "f", input: {} }, jobId: "job-1" });

    const again = await postJson(server.baseUrl, "JobService/ExecuteJob", { operation: { function: "f", input: {} }, jobId: "job-1" });

    expect(again.status).toBe(409);
    expect(errorInfoOf(again)?.reason).toBe("job_exists");
  });

  it("makes one job of 20 concurrent requests with one idempotency key; another request under it is ALREADY_EXISTS", async () => {
    const step = await sinkTarget("once", "restWebhook", () => ({ json: {} }));
    await setExecution(server.baseUrl, functionCondition("once"), [target(step.id)]);
    const body = { operation: { function: "once", input: { n: 1 } }, idempotencyKey: "key-1" };

    const replies = await Promise.all(Array.from({ length: 20 }, () => call("JobService/ExecuteJob", body)));
    const other = await postJson(server.baseUrl, "JobService/ExecuteJob", { ...body, operation: { function: "once", input: { n: 2 } } });

    expect(new Set(replies.map((reply) => reply.job.id)).size).toBe(1);
    expect(other.status).toBe(409);
    expect(errorInfoOf(other)?.reason).toBe("idempotency_key_reused");
    await expect.poll(() => step.sink.requests.length, { timeout: 5000 }).toBe(1);
    expect((await call("JobService/ListJobs", {})).jobs).toHaveLength(1);
  });
});

describe("WatchJob and CancelJob", () => {
  it("streams every change until the end over gRPC (grpc-js) and gRPC-web", async () => {
    const steps = [await sinkTarget("w1", "restCall", adding("a", 1)), await sinkTarget("w2", "restCall", (request) => ({ ...adding("b", 2)(request), delayMs: 300 }))];
    await setExecution(server.baseUrl, functionCondition("watched"), steps.map((step) => target(step.id)));
    const grpc = createGrpcClients(server.port);
    try {
      const first = (await call("JobService/ExecuteJob", { operation: { function: "watched", input: {} } })).job;
      const overGrpc = await new Promise<string[]>((resolve, reject) => {
        const statuses: string[] = [];
        const stream = (grpc.jobs.WatchJob as Function).call(grpc.jobs, { id: first.id });
        stream.on("data", (message: { job: { status: string } }) => statuses.push(message.job.status));
        stream.on("end", () => resolve(statuses));
        stream.on("error", reject);
      });
      const second = (await call("JobService/ExecuteJob", { operation: { function: "watched", input: {} } })).job;
      const overGrpcWeb: JobStatus[] = [];
      for await (const message of createGrpcWebClients(server.baseUrl).jobs.watchJob({ id: second.id })) overGrpcWeb.push(message.job!.status);

      expect(overGrpc.at(-1)).toBe("JOB_STATUS_SUCCEEDED");
      expect(overGrpc).toContain("JOB_STATUS_RUNNING");
      expect(overGrpcWeb.at(-1)).toBe(JobStatus.SUCCEEDED);
      expect(overGrpcWeb.length).toBeGreaterThanOrEqual(2);
    } finally {
      grpc.close();
    }
  });

  it("cancels a job blocked on a slow target: the call is aborted, the job ends CANCELLED; cancelling again is FAILED_PRECONDITION", async () => {
    const slow = await sinkTarget("slow", "restCall", () => ({ hang: true }));
    await setExecution(server.baseUrl, functionCondition("stuck"), [target(slow.id)]);
    const { job } = await call("JobService/ExecuteJob", { operation: { function: "stuck", input: {} } });
    await slow.sink.waitFor(1);

    const cancelled = (await call("JobService/CancelJob", { id: job.id })).job;
    const again = await postJson(server.baseUrl, "JobService/CancelJob", { id: job.id });

    expect(cancelled.status).toBe("JOB_STATUS_CANCELLED");
    expect(again.status).toBe(400);
    expect(errorInfoOf(again)?.reason).toBe("job_finished");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await call("JobService/GetJob", { id: job.id })).job.status).toBe("JOB_STATUS_CANCELLED");
  });
});

describe("GetJobResult", () => {
  it("gives a list of flat records as JSON, as a table with its schema, and as XML", async () => {
    const rows = [{ name: "a", size: 1, ok: true }, { name: "b & c", size: 2, ok: false }];
    const step = await sinkTarget("rows", "restCall", () => ({ json: rows }));
    await setExecution(server.baseUrl, functionCondition("rows"), [target(step.id)]);
    const { job } = await call("JobService/ExecuteJob", { operation: { function: "rows", input: {} }, async: false, includeResultSchema: true });

    const json = await call("JobService/GetJobResult", { id: job.id });
    const table = await call("JobService/GetJobResult", { id: job.id, format: "RESULT_FORMAT_TABLE" });
    const xml = await call("JobService/GetJobResult", { id: job.id, format: "RESULT_FORMAT_XML" });

    expect(job.resultSchema.columns).toEqual([
      { name: "name", type: "COLUMN_TYPE_STRING" },
      { name: "size", type: "COLUMN_TYPE_NUMBER" },
      { name: "ok", type: "COLUMN_TYPE_BOOL" },
    ]);
    expect(json.json).toEqual(rows);
    expect(table.table.rows).toEqual([["a", 1, true], ["b & c", 2, false]]);
    expect(xml.xml).toContain("<item><name>b &amp; c</name><size>2</size><ok>false</ok></item>");
  });
});
