/**
 * GET /metrics end to end: a real server, RPCs over Connect JSON, grpc-js and
 * gRPC-web, jobs and event deliveries against real sinks; the scrape is read
 * as Prometheus would read it and its counters, histograms and gauges checked
 * with their labels and values.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createTarget, functionCondition, setExecution, target, uniqueName } from "../support/api-fixtures.js";
import { createGrpcClients, createGrpcWebClients, grpcUnary, postJson } from "../support/clients.js";
import { onEvent, pushEvent, sinkTarget, useDeliveryWorld } from "../support/delivery-fixtures.js";
import { createGate } from "../support/http-probes.js";
import { type Scrape, scrapeMetrics } from "../support/prometheus-text.js";
import { type Sink, type SinkResponder, startSink } from "../support/sink.js";

const given = useDeliveryWorld();
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const targetService = "switchyard.v1.TargetService";

async function call(baseUrl: string, method: string, body: unknown): Promise<any> {
  const reply = await postJson(baseUrl, method, body);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

/** A `call` target on a sink answering `responder`, bound to function `name`. */
async function functionOnSink(baseUrl: string, name: string, responder: SinkResponder): Promise<{ id: string; sink: Sink }> {
  const sink = await given.sink(startSink(responder));
  const { id } = await createTarget(baseUrl, uniqueName(name), { endpoint: sink.url, restWebhook: undefined, restCall: { interruptOnError: true } });
  await setExecution(baseUrl, functionCondition(name), [target(id)]);
  return { id, sink };
}

/** Checks the histogram `name` with `labels`: cumulative buckets ending in +Inf = count, and its sum. */
function histogram(scrape: Scrape, name: string, labels: Record<string, string>): { count: number; sum: number } {
  const buckets = scrape.find(`${name}_bucket`, labels);
  const count = scrape.value(`${name}_count`, labels);
  const sum = scrape.value(`${name}_sum`, labels);
  expect(buckets.length, `${name} ${JSON.stringify(labels)} has buckets`).toBeGreaterThan(1);
  const values = buckets.map((bucket) => bucket.value);
  expect(values).toEqual([...values].sort((a, b) => a - b));
  expect(buckets.at(-1)).toMatchObject({ labels: { le: "+Inf" }, value: count });
  return { count: count!, sum: sum! };
}

describe("GET /metrics", () => {
  it("answers the Prometheus text format without a token, with TYPE and HELP for every family and the process metrics", async () => {
    const server = await given.server();

    const response = await fetch(`${server.baseUrl}/metrics`);
    const scrape = await scrapeMetrics(server.baseUrl);
    const post = await fetch(`${server.baseUrl}/metrics`, { method: "POST" });

    expect(response.status).toBe(200);
    expect(scrape.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(scrape.types.get("switchyard_rpcs_total")).toBe("counter");
    expect(scrape.types.get("switchyard_rpc_duration_seconds")).toBe("histogram");
    expect(scrape.types.get("switchyard_target_calls_total")).toBe("counter");
    expect(scrape.types.get("switchyard_target_call_duration_seconds")).toBe("histogram");
    for (const gauge of ["switchyard_deliveries", "switchyard_jobs", "switchyard_event_store_position", "switchyard_job_runner_running"]) {
      expect(scrape.types.get(gauge), gauge).toBe("gauge");
    }
    for (const name of scrape.types.keys()) expect(scrape.help.get(name), name).toBeTruthy();
    expect(scrape.value("process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(scrape.value("nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(post.status).toBe(405);
    // Scrapes are not RPCs.
    expect(scrape.find("switchyard_rpcs_total")).toEqual([]);
  });

  it("counts RPCs by service, method and code over every protocol, with latency histograms of unary ones", async () => {
    // given
    const server = await given.server();
    const grpc = createGrpcClients(server.port);
    cleanups.push(() => grpc.close());
    const { id } = await createTarget(server.baseUrl, uniqueName("t"));

    // when: two found, three not found (one per protocol), one without a token
    await call(server.baseUrl, "TargetService/GetTarget", { id });
    await grpcUnary(grpc.targets, "GetTarget", { id });
    expect((await postJson(server.baseUrl, "TargetService/GetTarget", { id: "missing" })).status).toBe(404);
    await expect(grpcUnary(grpc.targets, "GetTarget", { id: "missing" })).rejects.toMatchObject({ code: 5 });
    await expect(createGrpcWebClients(server.baseUrl).targets.getTarget({ id: "missing" })).rejects.toMatchObject({ code: 5 });
    expect((await postJson(server.baseUrl, "TargetService/ListTargets", {}, { authorization: undefined })).status).toBe(401);
    const scrape = await scrapeMetrics(server.baseUrl);

    // then
    const rpc = (method: string, code: string) => ({ service: targetService, method, code });
    expect(scrape.value("switchyard_rpcs_total", rpc("CreateTarget", "ok"))).toBe(1);
    expect(scrape.value("switchyard_rpcs_total", rpc("GetTarget", "ok"))).toBe(2);
    expect(scrape.value("switchyard_rpcs_total", rpc("GetTarget", "not_found"))).toBe(3);
    expect(scrape.value("switchyard_rpcs_total", rpc("ListTargets", "unauthenticated"))).toBe(1);
    expect(scrape.find("switchyard_rpcs_total").map((sample) => sample.value).reduce((a, b) => a + b)).toBe(7);
    const found = histogram(scrape, "switchyard_rpc_duration_seconds", rpc("GetTarget", "ok"));
    const missing = histogram(scrape, "switchyard_rpc_duration_seconds", rpc("GetTarget", "not_found"));
    expect(found.count).toBe(2);
    expect(missing.count).toBe(3);
    expect(found.sum).toBeGreaterThan(0);
    expect(found.sum).toBeLessThan(5);
    expect(histogram(scrape, "switchyard_rpc_duration_seconds", rpc("ListTargets", "unauthenticated")).count).toBe(1);
  });

  it("counts a stream when it ends, a cancelled one as canceled, and keeps streams out of the latency histogram", async () => {
    // given
    const server = await given.server();
    await pushEvent(server.baseUrl, "order.created");
    const watching = new AbortController();
    const events = createGrpcWebClients(server.baseUrl).events.watchEvents({ fromPosition: 1n }, { signal: watching.signal });
    await events[Symbol.asyncIterator]().next();

    // when
    watching.abort();
    const labels = { service: "switchyard.v1.EventService", method: "WatchEvents", code: "canceled" };

    // then
    await expect.poll(async () => (await scrapeMetrics(server.baseUrl)).value("switchyard_rpcs_total", labels), { timeout: 5000 }).toBe(1);
    expect((await scrapeMetrics(server.baseUrl)).find("switchyard_rpc_duration_seconds_count", { method: "WatchEvents" })).toEqual([]);
  });

  it("counts target calls by target id and outcome with their latency, and jobs by status", async () => {
    // given
    const server = await given.server();
    const good = await functionOnSink(server.baseUrl, "enrich", () => ({ json: { enriched: true } }));
    const bad = await functionOnSink(server.baseUrl, "breaks", () => ({ status: 503, json: {} }));

    // when
    const ok = await call(server.baseUrl, "JobService/ExecuteJob", { operation: { function: "enrich", input: {} }, async: false });
    const failed = await call(server.baseUrl, "JobService/ExecuteJob", { operation: { function: "breaks", input: {} }, async: false, maxAttempts: 1 });
    const scrape = await scrapeMetrics(server.baseUrl);

    // then
    expect([ok.job.status, failed.job.status]).toEqual(["JOB_STATUS_SUCCEEDED", "JOB_STATUS_FAILED"]);
    expect(scrape.value("switchyard_target_calls_total", { target: good.id, outcome: "ok" })).toBe(1);
    expect(scrape.value("switchyard_target_calls_total", { target: bad.id, outcome: "http_status" })).toBe(1);
    expect(scrape.find("switchyard_target_calls_total")).toHaveLength(2);
    const latency = histogram(scrape, "switchyard_target_call_duration_seconds", { target: good.id, outcome: "ok" });
    expect(latency.count).toBe(1);
    expect(latency.sum).toBeGreaterThan(0);
    expect(scrape.find("switchyard_target_calls_total", { target: good.sink.url })).toEqual([]);
    expect(scrape.value("switchyard_jobs", { status: "succeeded" })).toBe(1);
    expect(scrape.value("switchyard_jobs", { status: "failed" })).toBe(1);
    expect(scrape.value("switchyard_jobs", { status: "accepted" })).toBe(0);
    expect(scrape.value("switchyard_job_runner_running")).toBe(0);
    expect(scrape.value("switchyard_rpcs_total", { service: "switchyard.v1.JobService", method: "ExecuteJob", code: "ok" })).toBe(2);
  });

  it("shows a job the runner is running, then its end", async () => {
    // given: an async job whose target waits for the test
    const server = await given.server();
    const gate = createGate();
    await functionOnSink(server.baseUrl, "slow", async () => {
      gate.entered();
      await gate.released;
      return { json: {} };
    });

    // when
    const { job } = await call(server.baseUrl, "JobService/ExecuteJob", { operation: { function: "slow", input: {} } });
    await gate.waitForEntered(1);
    const during = await scrapeMetrics(server.baseUrl);
    gate.release();
    await expect.poll(async () => (await call(server.baseUrl, "JobService/GetJob", { id: job.id })).job.status).toBe("JOB_STATUS_SUCCEEDED");
    const after = await scrapeMetrics(server.baseUrl);

    // then
    expect(during.value("switchyard_jobs", { status: "running" })).toBe(1);
    expect(during.value("switchyard_job_runner_running")).toBe(1);
    expect(during.value("switchyard_job_runner_queued")).toBe(0);
    expect(during.value("switchyard_job_runner_admitting")).toBe(0);
    expect(after.value("switchyard_jobs", { status: "running" })).toBe(0);
    expect(after.value("switchyard_jobs", { status: "succeeded" })).toBe(1);
    expect(after.value("switchyard_job_runner_running")).toBe(0);
  });

  it("shows event deliveries pending while in flight, then succeeded or dead, and the event store position", async () => {
    // given: one target waits for the test, one always fails (schedule: two retries)
    const server = await given.server();
    const gate = createGate();
    const waitingSink = await given.sink(
      startSink(async () => {
        gate.entered();
        await gate.released;
        return { json: {} };
      }),
    );
    const failingSink = await given.sink(startSink(() => ({ status: 500 })));
    const waiting = await sinkTarget(server.baseUrl, waitingSink.url);
    const failing = await sinkTarget(server.baseUrl, failingSink.url);
    await onEvent(server.baseUrl, { event: "order.created" }, [target(waiting.id)]);
    await onEvent(server.baseUrl, { event: "order.cancelled" }, [target(failing.id)]);

    // when
    await pushEvent(server.baseUrl, "order.created");
    await gate.waitForEntered(1);
    const during = await scrapeMetrics(server.baseUrl);
    gate.release();
    await pushEvent(server.baseUrl, "order.cancelled");
    await failingSink.waitFor(3);
    await expect.poll(async () => (await scrapeMetrics(server.baseUrl)).value("switchyard_deliveries", { status: "dead" })).toBe(1);
    const after = await scrapeMetrics(server.baseUrl);

    // then
    expect(during.value("switchyard_deliveries", { status: "pending" })).toBe(1);
    expect(during.value("switchyard_delivery_dispatcher_in_flight")).toBe(1);
    expect(after.value("switchyard_deliveries", { status: "succeeded" })).toBe(1);
    expect(after.value("switchyard_deliveries", { status: "pending" })).toBe(0);
    expect(after.value("switchyard_deliveries", { status: "failed" })).toBe(0);
    expect(after.value("switchyard_delivery_dispatcher_in_flight")).toBe(0);
    expect(after.value("switchyard_delivery_dispatcher_queued")).toBe(0);
    expect(after.value("switchyard_target_calls_total", { target: waiting.id, outcome: "ok" })).toBe(1);
    expect(after.value("switchyard_target_calls_total", { target: failing.id, outcome: "http_status" })).toBe(3);
    expect(after.value("switchyard_event_store_position")).toBe(Number(await server.store.lastPosition()));
    expect(after.value("switchyard_event_store_position")).toBeGreaterThan(during.value("switchyard_event_store_position")!);
  });

  it("keeps the metrics of two servers in one process apart", async () => {
    const one = await given.server();
    const two = await given.server();

    await createTarget(one.baseUrl, uniqueName("t"));

    expect((await scrapeMetrics(one.baseUrl)).value("switchyard_rpcs_total", { service: targetService, method: "CreateTarget", code: "ok" })).toBe(1);
    expect((await scrapeMetrics(two.baseUrl)).find("switchyard_rpcs_total")).toEqual([]);
    expect((await scrapeMetrics(two.baseUrl)).value("process_cpu_user_seconds_total")).toBeGreaterThan(0);
  });
});
