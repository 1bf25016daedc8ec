/**
 * Tenant isolation end to end: two owners, each with its own API key, over
 * Connect JSON, gRPC (grpc-js) and gRPC-web. Neither sees nor changes the
 * other's targets, executions, events, deliveries or jobs (another owner's
 * resource is NOT_FOUND); WatchEvents shows each only its own events; and an
 * execution of one owner never fires on the other's events, RPCs or jobs.
 */
import { Code } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfiguredApiKeys } from "../../server/auth/configured-keys.js";
import { type JsonReply, bearer, connectErrorOf, createGrpcClients, createGrpcWebClients, grpcErrorOf, grpcUnary, postJson } from "../support/clients.js";
import { type Sink, startSink } from "../support/sink.js";
import { type RunningServer, startServer } from "../support/start-server.js";

const keys = { acme: "sy_test_key_of_acme_0001", beta: "sy_test_key_of_beta_0001" } as const;
type Owner = keyof typeof keys;

let server: RunningServer;
let sink: Sink;

beforeEach(async () => {
  const apiKeys = parseConfiguredApiKeys(
    (Object.keys(keys) as Owner[]).map((owner) => ({ key: keys[owner], owner, scopes: ["admin"], name: `${owner} admin` })),
  );
  server = await startServer({ config: { apiKeys, deliverySchedule: [50], deliveryPollMs: 20 } });
  sink = await startSink();
});

afterEach(async () => {
  await server?.close();
  await sink?.close();
});

/** Connect JSON as `owner`. */
function as(owner: Owner) {
  return (path: string, body: unknown): Promise<JsonReply> => postJson(server.baseUrl, path, body, bearer(keys[owner]));
}

async function ok(reply: Promise<JsonReply>): Promise<any> {
  const answered = await reply;
  expect(answered.status, answered.text).toBe(200);
  return answered.body;
}

const webhook = (name: string, endpoint = "https://example.com/hook") => ({ name, endpoint, timeout: "5s", restWebhook: {} });

describe("resources", () => {
  it("of one owner are NOT_FOUND and unlisted for the other, over Connect JSON, gRPC and gRPC-web", async () => {
    // given: acme's target, bound to a function
    const acme = as("acme");
    const beta = as("beta");
    const target = await ok(acme("TargetService/CreateTarget", webhook("shared-name")));
    await ok(acme("ExecutionService/SetExecution", { condition: { function: { name: "enrich" } }, targets: [{ target: target.id }] }));
    const grpc = createGrpcClients(server.port, keys.beta);
    const web = createGrpcWebClients(server.baseUrl, keys.beta);

    try {
      // when: beta looks, changes, binds and deletes
      const get = await beta("TargetService/GetTarget", { id: target.id });
      const grpcGet = await grpcErrorOf(grpcUnary(grpc.targets, "GetTarget", { id: target.id }));
      const webGet = await connectErrorOf(web.targets.getTarget({ id: target.id }));
      const update = await beta("TargetService/UpdateTarget", { id: target.id, name: "stolen" });
      const bind = await beta("ExecutionService/SetExecution", { condition: { function: { name: "mine" } }, targets: [{ target: target.id }] });
      const include = await beta("ExecutionService/SetExecution", {
        condition: { function: { name: "mine" } },
        targets: [{ include: { function: { name: "enrich" } } }],
      });
      const execution = await beta("ExecutionService/GetExecution", { condition: { function: { name: "enrich" } } });
      const deleted = await beta("TargetService/DeleteTarget", { id: target.id });
      const sameName = await beta("TargetService/CreateTarget", webhook("shared-name"));

      // then
      expect(get.status).toBe(404);
      expect(get.body.details[0].debug).toMatchObject({ reason: "target_not_found" });
      expect(grpcGet.code).toBe(Code.NotFound);
      expect(webGet.code).toBe(Code.NotFound);
      expect(update.status).toBe(404);
      expect(bind.status).toBe(404);
      expect(include.status).toBe(404);
      expect(execution.status).toBe(404);
      expect(deleted.status, deleted.text).toBe(200);
      expect(sameName.status, sameName.text).toBe(200);
      expect(sameName.body.details.resourceOwner).toBe("beta");
      // and acme's target and execution are untouched
      expect((await ok(acme("TargetService/GetTarget", { id: target.id }))).target).toMatchObject({ name: "shared-name", details: { sequence: "1" } });
      expect((await ok(acme("ExecutionService/ListExecutions", {}))).executions).toHaveLength(1);
      // and the lists of each show only its own
      expect((await ok(beta("TargetService/ListTargets", {}))).targets.map((t: any) => t.id)).toEqual([sameName.body.id]);
      expect((await grpcUnary<any>(grpc.targets, "ListTargets", {})).response.targets.map((t: any) => t.id)).toEqual([sameName.body.id]);
      expect((await web.targets.listTargets({})).targets.map((t) => t.id)).toEqual([sameName.body.id]);
      expect((await ok(beta("ExecutionService/ListExecutions", {}))).executions ?? []).toEqual([]);
      expect((await ok(beta("ExecutionService/ListExecutionFunctions", {}))).functions ?? []).toEqual([]);
      expect((await ok(beta("EventService/ListEvents", {}))).events.map((e: any) => e.resourceOwner)).toEqual(["beta"]);
    } finally {
      grpc.close();
    }
  });
});

describe("WatchEvents", () => {
  it("shows each owner only its own events, replayed and live, over gRPC and gRPC-web", async () => {
    // given: events of both owners before the watches start
    const acme = as("acme");
    const beta = as("beta");
    const push = (call: ReturnType<typeof as>, id: string, type = "order.created") =>
      ok(call("EventService/PushEvent", { type, aggregateType: "order", aggregateId: id, payload: {} }));
    await push(acme, "a-1");
    await push(beta, "b-1");
    const grpc = createGrpcClients(server.port, keys.beta);
    const web = createGrpcWebClients(server.baseUrl, keys.beta);
    const overGrpc: any[] = [];
    const grpcCall = (grpc.events.WatchEvents as Function).call(grpc.events, { from_position: "1" });
    grpcCall.on("data", (message: any) => overGrpc.push(message.event));
    grpcCall.on("error", () => {});
    const overWeb: any[] = [];
    const abort = new AbortController();
    const webDone = (async () => {
      for await (const message of web.events.watchEvents({ fromPosition: 1n }, { signal: abort.signal })) overWeb.push(message.event);
    })().catch(() => {});

    try {
      // when: both keep writing, beta last
      for (let index = 2; index <= 5; index++) {
        await push(acme, `a-${index}`);
        await push(beta, `b-${index}`);
      }
      await push(beta, "b-last", "order.closed");

      // then
      await expect.poll(() => overGrpc.at(-1)?.type, { timeout: 5000 }).toBe("order.closed");
      await expect.poll(() => overWeb.at(-1)?.type, { timeout: 5000 }).toBe("order.closed");
      const ids = ["b-1", "b-2", "b-3", "b-4", "b-5", "b-last"];
      expect(overGrpc.map((event) => event.aggregate_id)).toEqual(ids);
      expect(overWeb.map((event) => event.aggregateId)).toEqual(ids);
      expect(new Set([...overGrpc.map((event) => event.resource_owner), ...overWeb.map((event) => event.resourceOwner)])).toEqual(new Set(["beta"]));
    } finally {
      grpcCall.cancel();
      abort.abort();
      await webDone;
      grpc.close();
    }
  });
});

describe("executions", () => {
  it("of one owner never fire on the other's events", async () => {
    // given: acme delivers its order.created events to the sink
    const acme = as("acme");
    const beta = as("beta");
    const target = await ok(acme("TargetService/CreateTarget", { ...webhook("orders", sink.url), restWebhook: undefined, restAsync: {} }));
    await ok(acme("ExecutionService/SetExecution", { condition: { event: { event: "order.created" } }, targets: [{ target: target.id }] }));
    await ok(acme("ExecutionService/SetExecution", { condition: { event: { all: true } }, targets: [{ target: target.id }] }));

    // when: beta pushes first, then acme
    await ok(beta("EventService/PushEvent", { type: "order.created", aggregateType: "order", aggregateId: "b-1", payload: {} }));
    await ok(acme("EventService/PushEvent", { type: "order.created", aggregateType: "order", aggregateId: "a-1", payload: {} }));

    // then: only acme's event arrives, and beta has no deliveries
    await sink.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.requests.map((request) => JSON.parse(request.body).aggregateId)).toEqual(["a-1"]);
    const betaDeliveries = await ok(beta("DeliveryService/ListDeliveries", {}));
    expect(betaDeliveries.deliveries ?? []).toEqual([]);
    const [delivery] = (await ok(acme("DeliveryService/ListDeliveries", {}))).deliveries;
    expect((await beta("DeliveryService/GetDelivery", { id: delivery.id })).status).toBe(404);
    expect((await beta("DeliveryService/Redeliver", { deliveryId: delivery.id })).status).toBe(404);
  });

  it("of one owner never fire on the other's RPCs", async () => {
    // given: acme intercepts every PushEvent request with a webhook to the sink
    const acme = as("acme");
    const beta = as("beta");
    const target = await ok(acme("TargetService/CreateTarget", webhook("interceptor", sink.url)));
    await ok(
      acme("ExecutionService/SetExecution", {
        condition: { request: { method: "/switchyard.v1.EventService/PushEvent" } },
        targets: [{ target: target.id }],
      }),
    );
    await ok(acme("ExecutionService/SetExecution", { condition: { request: { all: true } }, targets: [{ target: target.id }] }));
    const grpc = createGrpcClients(server.port, keys.beta);

    try {
      // when: beta calls over all three protocols, then acme once
      await ok(beta("EventService/PushEvent", { type: "order.created", aggregateType: "order", aggregateId: "b-1", payload: {} }));
      await grpcUnary(grpc.events, "PushEvent", { type: "order.created", aggregate_type: "order", aggregate_id: "b-2", payload: {} });
      await createGrpcWebClients(server.baseUrl, keys.beta).events.pushEvent({ type: "order.created", aggregateType: "order", aggregateId: "b-3" });
      await ok(beta("EventService/ListEvents", {}));
      expect(sink.requests).toEqual([]);
      await ok(acme("EventService/PushEvent", { type: "order.created", aggregateType: "order", aggregateId: "a-1", payload: {} }));

      // then: the sink saw acme's call only
      expect(sink.requests).toHaveLength(1);
      expect(JSON.parse(sink.requests[0]!.body)).toMatchObject({
        fullMethod: "/switchyard.v1.EventService/PushEvent",
        resourceOwner: "acme",
        principal: { resourceOwner: "acme" },
        request: { aggregateId: "a-1" },
      });
    } finally {
      grpc.close();
    }
  });
});

describe("jobs", () => {
  it("of one owner are NOT_FOUND for the other, watches included, and run only the caller's own function", async () => {
    // given: acme's function "enrich" bound to a call target, and one job of acme
    const acme = as("acme");
    const beta = as("beta");
    sink.answer((request) => ({ json: { ...JSON.parse(request.body).input, enriched: true } }));
    const target = await ok(acme("TargetService/CreateTarget", { ...webhook("enricher", sink.url), restWebhook: undefined, restCall: {} }));
    await ok(acme("ExecutionService/SetExecution", { condition: { function: { name: "enrich" } }, targets: [{ target: target.id }] }));
    const { job } = await ok(acme("JobService/ExecuteJob", { operation: { function: "enrich", input: { n: 1 } }, async: false }));
    const web = createGrpcWebClients(server.baseUrl, keys.beta);

    // when: beta looks at acme's job and runs the same function name
    const get = await beta("JobService/GetJob", { id: job.id });
    const result = await beta("JobService/GetJobResult", { id: job.id });
    const cancel = await beta("JobService/CancelJob", { id: job.id });
    const watch = await connectErrorOf(
      (async () => {
        for await (const _ of web.jobs.watchJob({ id: job.id })) break;
      })(),
    );
    const run = await beta("JobService/ExecuteJob", { operation: { function: "enrich", input: {} }, async: false });
    const listed = await ok(beta("JobService/ListJobs", {}));

    // then
    expect(job.status).toBe("JOB_STATUS_SUCCEEDED");
    expect([get.status, result.status, cancel.status]).toEqual([404, 404, 404]);
    expect(watch.code).toBe(Code.NotFound);
    expect(run.status, run.text).toBe(400);
    expect(run.body.details[0].debug).toMatchObject({ reason: "function_not_bound" });
    expect(listed.jobs ?? []).toEqual([]);
    expect(sink.requests).toHaveLength(1);
  });
});
