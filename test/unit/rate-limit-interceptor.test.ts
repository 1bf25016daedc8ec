/**
 * The rate-limit interceptor in memory (createRouterTransport) on a fake
 * clock: which budget an RPC spends, which services pass untouched, and that
 * a stream slot comes back however the stream ends.
 */
import { create } from "@bufbuild/protobuf";
import { Code, type ConnectRouter, type Interceptor, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { EventService, ListEventsResponseSchema, PushEventResponseSchema } from "../../gen/switchyard/v1/event_pb.js";
import { requestContextKey } from "../../server/api/context.js";
import { createRateLimitInterceptor, executeProcedures, rateLimitPolicyHeader } from "../../server/api/interceptors/rate-limit.js";
import { connectErrorOf } from "../support/clients.js";

/** Stands in for request-context and auth: the principal comes from an `x-test-subject` header. */
const fakeAuth: Interceptor = (next) => async (request) => {
  const subject = request.header.get("x-test-subject") ?? "alice";
  request.contextValues.set(requestContextKey, {
    requestId: "r",
    procedure: `${request.method.parent.typeName}/${request.method.name}`,
    principal: { resourceOwner: "o", subject, scopes: new Set(["admin"]), tokenKind: "api_key" },
  });
  return next(request);
};

function setUp(options: { services?: string[]; maxStreams?: number; failWatch?: boolean; burst?: number } = {}) {
  const now = 0;
  const routes = (router: ConnectRouter) =>
    router.service(EventService, {
      listEvents: () => create(ListEventsResponseSchema, {}),
      pushEvent: () => create(PushEventResponseSchema, {}),
      // One message, then the end (`x-test-end`) or a wait until the call is cancelled.
      async *watchEvents(_request, context) {
        if (options.failWatch) throw new Error("boom");
        yield {};
        if (context.requestHeader.has("x-test-end")) return;
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
      },
    });
  const transport = createRouterTransport(routes, {
    router: {
      interceptors: [
        fakeAuth,
        createRateLimitInterceptor({
          default: { name: "default", perSecond: 1, burst: options.burst ?? 2 },
          execute: { name: "execute", perSecond: 1, burst: 1 },
          maxStreams: options.maxStreams ?? 0,
          services: new Set(options.services ?? [EventService.typeName]),
          now: () => now,
        }),
      ],
    },
  });
  return createClient(EventService, transport);
}

describe("rate-limit interceptor", () => {
  it("spends the execute budget on PushEvent and the default budget on the rest", async () => {
    const client = setUp();

    await client.pushEvent({});
    const push = await connectErrorOf(client.pushEvent({}));
    await client.listEvents({});
    await client.listEvents({});
    const list = await connectErrorOf(client.listEvents({}));

    expect(push.metadata.get("ratelimit-policy")).toBe('"execute";q=1;w=1');
    expect(list.metadata.get("ratelimit-policy")).toBe('"default";q=2;w=2');
    expect([push.code, list.code]).toEqual([Code.ResourceExhausted, Code.ResourceExhausted]);
  });

  it("keys buckets by owner and subject", async () => {
    const client = setUp();
    await client.pushEvent({});

    const bob = await client.pushEvent({}, { headers: { "x-test-subject": "bob" } });

    expect(bob).toBeDefined();
  });

  it("passes services it does not limit untouched", async () => {
    const client = setUp({ services: ["grpc.health.v1.Health"] });

    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await client.pushEvent({}));

    expect(replies).toHaveLength(5);
  });

  it("gives the stream slot back when the stream ends or the client cancels it", async () => {
    const client = setUp({ maxStreams: 1, burst: 100 });
    const readAll = async (headers: Record<string, string> = {}) => {
      for await (const _ of client.watchEvents({}, { headers }));
    };

    await readAll({ "x-test-end": "1" });
    const cancel = new AbortController();
    const open = client.watchEvents({}, { signal: cancel.signal })[Symbol.asyncIterator]();
    await open.next();
    const whileOpen = await connectErrorOf(readAll({ "x-test-end": "1" }));
    cancel.abort();
    await open.next().catch(() => undefined);
    await readAll({ "x-test-end": "1" });

    expect(whileOpen.code).toBe(Code.ResourceExhausted);
    expect(whileOpen.rawMessage).toMatch(/at most 1 streams/);
  });

  it("gives the slot back when the handler fails", async () => {
    const client = setUp({ maxStreams: 1, failWatch: true, burst: 100 });
    const watch = async () => {
      for await (const _ of client.watchEvents({}));
    };

    const errors = [await connectErrorOf(watch()), await connectErrorOf(watch())];

    expect(errors.map((error) => error.code)).toEqual([Code.Internal, Code.Internal]);
  });
});

describe("rate limit headers", () => {
  it("describes a bucket as its burst over the seconds it takes to refill", () => {
    expect(rateLimitPolicyHeader({ name: "default", perSecond: 100, burst: 100 })).toBe('"default";q=100;w=1');
    expect(rateLimitPolicyHeader({ name: "default", perSecond: 1000, burst: 2000 })).toBe('"default";q=2000;w=2');
    expect(rateLimitPolicyHeader({ name: "execute", perSecond: 10, burst: 5 })).toBe('"execute";q=5;w=1');
  });

  it("puts ExecuteJob, ExecuteBatch and PushEvent on the execute budget", () => {
    expect([...executeProcedures].sort()).toEqual([
      "switchyard.v1.EventService/PushEvent",
      "switchyard.v1.JobService/ExecuteBatch",
      "switchyard.v1.JobService/ExecuteJob",
    ]);
  });
});
