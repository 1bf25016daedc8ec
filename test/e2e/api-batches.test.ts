/**
 * Batches end to end: a real server, real sinks as targets and as the
 * callback receiver; signatures checked with the standardwebhooks package.
 */
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { createTarget, errorInfoOf, functionCondition, setExecution, target } from "../support/api-fixtures.js";
import { createGrpcWebClients, postJson } from "../support/clients.js";
import { type Sink, startSink } from "../support/sink.js";
import { useServer } from "../support/use-server.js";

const server = useServer("each");
const sinks: Sink[] = [];

afterEach(async () => {
  for (const sink of sinks.splice(0)) await sink.close();
});

async function sink(responder: Parameters<typeof startSink>[0]): Promise<Sink> {
  const started = await startSink(responder);
  sinks.push(started);
  return started;
}

async function call(method: string, body: unknown): Promise<any> {
  const reply = await postJson(server.baseUrl, method, body);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

/** A function `square` whose target answers `{square: n*n}`, failing for every n divisible by `failEvery`. */
async function bindSquare(failEvery: number): Promise<void> {
  const squares = await sink((request) => {
    const { input } = JSON.parse(request.body) as { input: { n: number } };
    return input.n % failEvery === 0 ? { status: 422, json: { error: "no" } } : { json: { square: input.n * input.n } };
  });
  const created = await createTarget(server.baseUrl, "square", { endpoint: squares.url, restWebhook: undefined, restCall: { interruptOnError: true } });
  await setExecution(server.baseUrl, functionCondition("square"), [target(created.id)]);
}

describe("ExecuteBatch", () => {
  it("runs 500 items, some failing, to PARTIALLY_FAILED and posts one signed callback with every result", async () => {
    await bindSquare(50);
    const callbacks = await sink(() => ({ json: {} }));
    const items = Array.from({ length: 500 }, (_, n) => ({ operation: { function: "square", input: { n: n + 1 } } }));

    const { batch } = await call("JobService/ExecuteBatch", { items, callbackUrl: callbacks.url });
    expect(batch).toMatchObject({ status: "JOB_STATUS_ACCEPTED", progress: { total: 500 } });
    const [received] = await callbacks.waitFor(1, 60_000);

    const final = (await call("JobService/GetBatch", { id: batch.id })).batch;
    expect(final).toMatchObject({ status: "JOB_STATUS_PARTIALLY_FAILED", progress: { total: 500, succeeded: 490, failed: 10 } });
    const key = server.app.callbackSigningKey;
    const body = new Webhook(key).verify(received!.body, received!.headers) as { batchId: string; status: string; results: any[] };
    expect(body.batchId).toBe(batch.id);
    expect(body.status).toBe("partially_failed");
    expect(body.results).toHaveLength(500);
    expect(body.results[1]).toEqual({ function: "square", input: { n: 2 }, output: { square: 4 } });
    expect(body.results[49]).toMatchObject({ function: "square", input: { n: 50 }, error: { code: "http_status" } });
    const deliveries = await call("DeliveryService/ListDeliveries", {});
    expect(deliveries.deliveries.filter((delivery: { kind: string }) => delivery.kind === "DELIVERY_KIND_CALLBACK")).toHaveLength(1);
  }, 90_000);

  it("lists items in order with their results, filters by status, and watches progress over gRPC-web", async () => {
    await bindSquare(3);
    const items = Array.from({ length: 6 }, (_, n) => ({ operation: { function: "square", input: { n: n + 1 } } }));
    const { batch } = await call("JobService/ExecuteBatch", { items });

    const seen: number[] = [];
    for await (const message of createGrpcWebClients(server.baseUrl).jobs.watchBatch({ id: batch.id })) {
      seen.push(message.batch!.progress!.succeeded + message.batch!.progress!.failed);
    }
    const all = await call("JobService/ListBatchItems", { batchId: batch.id });
    const failed = await call("JobService/ListBatchItems", { batchId: batch.id, statuses: ["JOB_STATUS_FAILED"] });

    expect(seen.at(-1)).toBe(6);
    expect(all.items.map((item: { index?: number }) => item.index ?? 0)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(all.items[1].job.result).toEqual({ square: 4 });
    expect(failed.items.map((item: { index?: number }) => item.index)).toEqual([2, 5]);
  });

  it("refuses bad items up front naming their index, and creates nothing", async () => {
    await bindSquare(1000);
    const items = [
      { operation: { function: "square", input: { n: 1 } } },
      { operation: { function: "unbound", input: {} } },
    ];

    const unbound = await postJson(server.baseUrl, "JobService/ExecuteBatch", { items });
    const invalid = await postJson(server.baseUrl, "JobService/ExecuteBatch", { items: [items[0], { operation: { function: "bad name!" } }] });

    expect(unbound.status).toBe(400);
    expect(errorInfoOf(unbound)).toMatchObject({ reason: "function_not_bound", metadata: { field: "items[1].operation.function" } });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toContain("items[1].operation.function");
    expect((await call("JobService/ListJobs", {})).jobs ?? []).toEqual([]);
  });

  it("cancels what has not finished: the batch ends CANCELLED", async () => {
    const stuck = await sink(() => ({ hang: true }));
    const created = await createTarget(server.baseUrl, "stuck", { endpoint: stuck.url, restWebhook: undefined, restCall: { interruptOnError: true } });
    await setExecution(server.baseUrl, functionCondition("stuck"), [target(created.id)]);
    const { batch } = await call("JobService/ExecuteBatch", { items: Array.from({ length: 3 }, () => ({ operation: { function: "stuck", input: {} } })) });
    await stuck.waitFor(3);

    const cancelled = (await call("JobService/CancelBatch", { id: batch.id })).batch;

    expect(cancelled.status).toBe("JOB_STATUS_CANCELLED");
    const items = await call("JobService/ListBatchItems", { batchId: batch.id });
    expect(items.items.map((item: { job: { status: string } }) => item.job.status)).toEqual(Array(3).fill("JOB_STATUS_CANCELLED"));
  });
});
