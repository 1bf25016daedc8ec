/**
 * Rate limits end to end: a real server with a small burst, real Connect JSON
 * (fetch), gRPC (grpc-js) and gRPC-web (connect-web) clients.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ErrorInfo, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { parseConfiguredApiKeys } from "../../server/auth/configured-keys.js";
import {
  type JsonReply,
  bearer,
  connectErrorOf,
  createGrpcClients,
  createGrpcWebClients,
  grpcErrorDetails,
  grpcErrorOf,
  grpcUnary,
  postJson,
} from "../support/clients.js";
import { type RunningServer, startServer } from "../support/start-server.js";

// 1 request/s with a burst of 3: three pass at once, the fourth waits up to a second.
// A slow rate keeps the tests deterministic on a loaded machine.
const limits = { rateLimit: 1, rateBurst: 3, executeRateLimit: 1, executeRateBurst: 2 };
const otherKey = "sy_rate_limit_test_other_owner";
let server: RunningServer;

beforeEach(async () => {
  server = await startServer({
    config: {
      ...limits,
      apiKeys: parseConfiguredApiKeys([{ key: otherKey, owner: "other", scopes: ["admin"], name: "other owner" }]),
    },
  });
});
afterEach(async () => {
  await server.close();
});

const listTargets = (headers: Record<string, string | undefined> = {}) =>
  postJson(server.baseUrl, "TargetService/ListTargets", {}, headers);
const pushEvent = () =>
  postJson(server.baseUrl, "EventService/PushEvent", { type: "order.created", aggregateType: "order", aggregateId: "o-1" });

async function times(count: number, call: () => Promise<JsonReply>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await call()).status);
  return statuses;
}

function errorInfoOf(reply: JsonReply): ErrorInfo | undefined {
  const detail = (reply.body?.details ?? []).find((d: { type: string }) => d.type === "google.rpc.ErrorInfo");
  return detail ? fromBinary(ErrorInfoSchema, Buffer.from(detail.value, "base64")) : undefined;
}

describe("rate limits over Connect", () => {
  it("answers 429 RESOURCE_EXHAUSTED with Retry-After, RateLimit-Policy and RateLimit after the burst", async () => {
    // given
    const allowed = await times(3, () => listTargets());

    // when
    const refused = await listTargets();

    // then
    expect(allowed).toEqual([200, 200, 200]);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe("resource_exhausted");
    expect(refused.headers.get("Retry-After")).toBe("1");
    expect(refused.headers.get("RateLimit-Policy")).toBe('"default";q=3;w=3');
    expect(refused.headers.get("RateLimit")).toBe('"default";r=0;t=1');
    expect(errorInfoOf(refused)).toMatchObject({
      reason: "rate_limited",
      domain: "switchyard",
      metadata: { policy: "default", limit_per_second: "1", burst: "3", retry_after_seconds: "1" },
    });
  });

  it("recovers once the bucket refilled", async () => {
    // given
    await times(4, () => listTargets());

    // when
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await times(2, () => listTargets());

    // then: one token came back, not the whole burst
    expect(after).toEqual([200, 429]);
  });

  it("keeps a separate execute budget: PushEvent is limited independently of the other RPCs", async () => {
    // given the default budget is spent
    await times(4, () => listTargets());

    // when
    const pushes = await times(3, pushEvent);
    const refusedPush = await pushEvent();
    const stillRefusedList = await listTargets();

    // then
    expect(pushes).toEqual([200, 200, 429]);
    expect(refusedPush.headers.get("RateLimit-Policy")).toBe('"execute";q=2;w=2');
    expect(refusedPush.headers.get("RateLimit")).toBe('"execute";r=0;t=1');
    expect(errorInfoOf(refusedPush)?.metadata.policy).toBe("execute");
    expect(stillRefusedList.status).toBe(429);
  });

  it("counts per principal: another owner's key has its own budget", async () => {
    // given
    await times(4, () => listTargets());

    // when
    const other = await times(4, () => listTargets(bearer(otherKey)));

    // then
    expect(other).toEqual([200, 200, 200, 429]);
  });

  it("does not count requests without a valid token against anyone", async () => {
    // given
    const anonymous = await times(5, () => listTargets({ authorization: undefined }));
    const badToken = await times(5, () => listTargets(bearer("sy_not_a_key_at_all")));

    // when
    const devKey = await times(3, () => listTargets());

    // then
    expect(new Set([...anonymous, ...badToken])).toEqual(new Set([401]));
    expect(devKey).toEqual([200, 200, 200]);
  });

  it("never limits health", async () => {
    // given
    await times(4, () => listTargets());

    // when
    const health = await times(5, async () => {
      const response = await fetch(`${server.baseUrl}/grpc.health.v1.Health/Check`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      await response.text();
      return { status: response.status } as JsonReply;
    });

    // then
    expect(health).toEqual([200, 200, 200, 200, 200]);
  });
});

describe("rate limits over gRPC and gRPC-web", () => {
  it("gRPC: RESOURCE_EXHAUSTED with the headers as trailers and ErrorInfo rate_limited", async () => {
    // given
    const grpc = createGrpcClients(server.port);
    try {
      for (let i = 0; i < 3; i++) await grpcUnary(grpc.targets, "ListTargets", {});

      // when
      const error = await grpcErrorOf(grpcUnary(grpc.targets, "ListTargets", {}));

      // then
      expect(error.code).toBe(Code.ResourceExhausted);
      expect(error.metadata.get("retry-after")).toEqual(["1"]);
      expect(error.metadata.get("ratelimit-policy")).toEqual(['"default";q=3;w=3']);
      expect(error.metadata.get("ratelimit")).toEqual(['"default";r=0;t=1']);
      expect(grpcErrorDetails(error).findDetails(ErrorInfoSchema)[0]?.reason).toBe("rate_limited");
    } finally {
      grpc.close();
    }
  });

  it("gRPC-web: RESOURCE_EXHAUSTED with the headers in the trailers", async () => {
    // given
    const web = createGrpcWebClients(server.baseUrl);
    for (let i = 0; i < 3; i++) await web.targets.listTargets({});

    // when
    const error = await connectErrorOf(web.targets.listTargets({}));

    // then
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.metadata.get("retry-after")).toBe("1");
    expect(error.metadata.get("ratelimit-policy")).toBe('"default";q=3;w=3');
    expect(error.metadata.get("ratelimit")).toBe('"default";r=0;t=1');
    expect(error.findDetails(ErrorInfoSchema)[0]?.reason).toBe("rate_limited");
  });
});
