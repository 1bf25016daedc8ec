/**
 * The typed client (client/node.ts) against a real server, over each of the
 * three protocols: every service reachable, the bearer token sent, jobs and
 * batches followed to the end, errors flattened with their details.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  Code,
  ConnectError,
  type Job,
  JobStatus,
  type Protocol,
  type SwitchyardClient,
  createSwitchyardClient,
  errorDetails,
  waitForBatch,
  waitForJob,
} from "../../client/node.js";
import { devToken } from "../support/clients.js";
import { type Sink, startSink } from "../support/sink.js";
import { useServer } from "../support/use-server.js";

const server = useServer("each");
const opened: { close(): unknown }[] = [];

afterEach(async () => {
  for (const resource of opened.splice(0)) await resource.close();
});

function clientFor(protocol: Protocol, token: Parameters<typeof createSwitchyardClient>[0]["token"] = devToken): SwitchyardClient {
  const client = createSwitchyardClient({ baseUrl: server.baseUrl, token, protocol });
  opened.push(client);
  return client;
}

/** Given: function `name` bound to a call target that echoes its input with `enriched: true`. */
async function givenFunction(client: SwitchyardClient, name: string): Promise<Sink> {
  const sink = await startSink((request) => ({ json: { ...(JSON.parse(request.body) as { input: object }).input, enriched: true } }));
  opened.push(sink);
  const { id } = await client.targets.createTarget({
    name,
    endpoint: sink.url,
    timeout: { seconds: 5n },
    targetType: { case: "restCall", value: { interruptOnError: true } },
  });
  await client.executions.setExecution({ condition: { conditionType: { case: "function", value: { name } } }, targets: [{ type: { case: "target", value: id } }] });
  return sink;
}

describe.each<Protocol>(["connect", "grpc", "grpc-web"])("createSwitchyardClient over %s", (protocol) => {
  it("runs a job and waits for it, seeing every change up to SUCCEEDED", async () => {
    const client = clientFor(protocol);
    await givenFunction(client, "enrich");

    const { job } = await client.jobs.executeJob({ operation: { function: "enrich", input: { n: 1 } } });
    const updates: Job[] = [];
    const finished = await waitForJob(client, job!.id, { onUpdate: (current) => updates.push(current) });

    expect(finished.status).toBe(JobStatus.SUCCEEDED);
    expect(finished.result?.kind).toEqual({ case: "structValue", value: expect.anything() });
    expect(updates.at(-1)).toEqual(finished);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    const { job: fetched } = await client.jobs.getJob({ id: job!.id });
    expect(fetched?.details?.resourceOwner).toBe("default");
  });

  it("waits for a batch", async () => {
    const client = clientFor(protocol);
    await givenFunction(client, "enrich");

    const { batch } = await client.jobs.executeBatch({ items: [1, 2, 3].map((n) => ({ operation: { function: "enrich", input: { n } } })) });
    const finished = await waitForBatch(client, batch!.id);

    expect(finished.status).toBe(JobStatus.SUCCEEDED);
    expect(finished.progress).toMatchObject({ total: 3, succeeded: 3, failed: 0 });
  });

  it("streams events and stops when the caller aborts", async () => {
    const client = clientFor(protocol);
    await client.events.pushEvent({ type: "order.placed", aggregateType: "order", aggregateId: "1", payload: { total: 1 } });
    await client.events.pushEvent({ type: "order.shipped", aggregateType: "order", aggregateId: "1" });
    const stop = new AbortController();

    const types: string[] = [];
    const watching = (async () => {
      for await (const { event } of client.events.watchEvents({ fromPosition: 1n }, { signal: stop.signal })) {
        types.push(event!.type);
        if (types.length === 2) stop.abort();
      }
    })();

    const ended = await watching.then(() => undefined, (error: unknown) => error);
    expect(types).toEqual(["order.placed", "order.shipped"]);
    expect(ended === undefined || (ended instanceof ConnectError && ended.code === Code.Canceled)).toBe(true);
  });

  it("flattens a validation error into its field violations", async () => {
    const client = clientFor(protocol);

    const error = await client.targets
      .createTarget({ name: "bad", endpoint: "ftp://example.com", timeout: { seconds: 5n }, targetType: { case: "restAsync", value: {} } })
      .catch((caught: unknown) => caught);

    expect(errorDetails(error)).toMatchObject({
      code: Code.InvalidArgument,
      codeName: "invalid_argument",
      fieldViolations: [{ field: "endpoint", description: "must be an absolute http or https URL" }],
      metadata: {},
    });
  });

  it("flattens a domain error into its ErrorInfo", async () => {
    const client = clientFor(protocol);

    const error = await client.targets.getTarget({ id: "no-such-target" }).catch((caught: unknown) => caught);

    expect(errorDetails(error)).toMatchObject({ code: Code.NotFound, codeName: "not_found", reason: "target_not_found", domain: "switchyard", fieldViolations: [] });
  });

  it("reads the token from a function before every call; no token is unauthenticated", async () => {
    let token: string | undefined = devToken;
    const client = clientFor(protocol, () => token);

    await client.targets.listTargets({});
    token = undefined;
    const error = await client.targets.listTargets({}).catch((caught: unknown) => caught);

    expect(errorDetails(error)).toMatchObject({ code: Code.Unauthenticated, reason: "invalid_token" });
  });
});

describe("errorDetails", () => {
  it("turns anything else into unknown with its message", () => {
    expect(errorDetails(new Error("boom"))).toEqual({ code: Code.Unknown, codeName: "unknown", message: "boom", metadata: {}, fieldViolations: [] });
  });
});
