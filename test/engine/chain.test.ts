/**
 * Chains against real local HTTP sinks through the real caller, with every
 * call's signature checked by the standardwebhooks package, as a receiver would.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { type Server, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { compactVerify, createLocalJWKSet } from "jose";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { generateSigningKey } from "../../server/commands/target-commands.js";
import type { Target, TargetType } from "../../server/domain/target.js";
import { runChain } from "../../server/engine/chain.js";
import { createCircuitBreakers } from "../../server/engine/circuit-breaker.js";
import { createHttpCaller } from "../../server/engine/http-caller.js";
import { createOutboundGuard } from "../../server/engine/outbound-guard.js";
import { createServerKeyRing } from "../../server/engine/server-key-ring.js";
import { createSqliteStore } from "../../server/store/sqlite/sqlite-store.js";

const servers: Server[] = [];
const caller = createHttpCaller({ guard: createOutboundGuard({ allow: ["127.0.0.0/8"] }) });

afterAll(() => caller.close());

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

interface Received {
  readonly body: JsonObject;
  readonly messageId: string;
}

/** A sink whose handler answers from the verified body; returns a target pointing at it. */
async function targetAnswering(
  targetType: TargetType,
  answer: (body: JsonObject) => { status?: number; json?: unknown; raw?: string },
  seen: Received[] = [],
): Promise<Target> {
  const signingKey = generateSigningKey();
  const server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
      const body = new Webhook(signingKey).verify(text, headers) as JsonObject;
      seen.push({ body, messageId: headers["webhook-id"]! });
      const { status = 200, json, raw } = answer(body);
      response.writeHead(status, { "content-type": "application/json" }).end(raw ?? (json === undefined ? "" : JSON.stringify(json)));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const id = `target-${port}`;
  return {
    id,
    name: id,
    endpoint: `http://127.0.0.1:${port}/hook`,
    timeoutMs: 2000,
    targetType,
    payloadType: "json",
    signingKey,
    createdAt: new Date(),
    details: { sequence: 1n, changeDate: new Date(), resourceOwner: "default" },
    state: "active",
  };
}

const call = (interruptOnError = false): TargetType => ({ kind: "call", interruptOnError });
const webhook = (interruptOnError = false): TargetType => ({ kind: "webhook", interruptOnError });
const functionEnvelope = (payload: JsonValue): JsonObject => ({ function: "enrich", jobId: "job-1", input: payload });
const run = (targets: Target[], payload: JsonValue, enqueued: unknown[] = [], signJwt?: (payload: object) => string) =>
  runChain({
    ...(signJwt ? { signJwt } : {}),
    targets,
    payload,
    envelope: functionEnvelope,
    messageId: (target, index) => `job-1.${index}`,
    caller,
    breakers: createCircuitBreakers(),
    enqueueAsync: async (target, body, messageId) => void enqueued.push({ target: target.id, body, messageId }),
  });

describe("chains", () => {
  it("feed each rest_call answer to the next step, ignore webhook bodies, and sign every call", async () => {
    const seen: Received[] = [];
    const double = await targetAnswering(call(), (body) => ({ json: { n: ((body.input as JsonObject).n as number) * 2 } }), seen);
    const addOne = await targetAnswering(call(), (body) => ({ json: { n: ((body.input as JsonObject).n as number) + 1 } }), seen);
    const audit = await targetAnswering(webhook(), () => ({ json: { ignored: true } }), seen);

    const outcome = await run([double, addOne, audit], { n: 20 });

    expect(outcome).toEqual({ payload: { n: 41 }, ignoredFailures: [] });
    expect(seen.map((received) => received.body.input)).toEqual([{ n: 20 }, { n: 40 }, { n: 41 }]);
    expect(seen.map((received) => received.messageId)).toEqual(["job-1.0", "job-1.1", "job-1.2"]);
    expect(seen[0]?.body).toEqual({ function: "enrich", jobId: "job-1", input: { n: 20 } });
  });

  it("stop at a failing step with interruptOnError, and go past one without it", async () => {
    const seen: Received[] = [];
    const broken = await targetAnswering(call(false), () => ({ status: 500 }), seen);
    const strict = await targetAnswering(webhook(true), () => ({ status: 503 }), seen);
    const after = await targetAnswering(call(), () => ({ json: "never" }), seen);

    const outcome = await run([broken, strict, after], { n: 1 });

    expect(outcome.payload).toEqual({ n: 1 });
    expect(outcome.ignoredFailures).toEqual([expect.objectContaining({ targetId: broken.id, code: "http_status" })]);
    expect(outcome.interrupted).toMatchObject({ targetId: strict.id, code: "http_status" });
    expect(seen).toHaveLength(2);
  });

  it("stop with a forwarded status when an interrupting target asks for one, and pass over the ask of a lenient one", async () => {
    const gate = await targetAnswering(webhook(true), () => ({ json: { forwardedStatusCode: 403, forwardedErrorMessage: "not today" } }));
    const lenient = await targetAnswering(webhook(false), () => ({ json: { forwardedStatusCode: 403 } }));
    const lenientCall = await targetAnswering(call(false), () => ({ json: { forwardedStatusCode: 403 } }));

    const stopped = await run([gate], {});
    const passed = await run([lenient, lenientCall], { n: 1 });

    expect(stopped.interrupted).toMatchObject({ code: "forwarded", forwarded: { statusCode: 403, message: "not today" } });
    expect(passed).toEqual({
      payload: { n: 1 },
      ignoredFailures: [
        expect.objectContaining({ targetId: lenient.id, code: "forwarded" }),
        expect.objectContaining({ targetId: lenientCall.id, code: "forwarded" }),
      ],
    });
  });

  it("fail a rest_call whose answer is not JSON", async () => {
    const garbled = await targetAnswering(call(true), () => ({ raw: "<html>" }));

    const outcome = await run([garbled], { n: 1 });

    expect(outcome.interrupted).toMatchObject({ targetId: garbled.id, code: "invalid_json" });
  });

  it("fail a rest_call whose answer nests deeper than 32 levels, keeping the payload", async () => {
    let deep: unknown = "bottom";
    for (let level = 0; level < 40; level++) deep = { level: deep };
    const nested = await targetAnswering(call(true), () => ({ json: deep }));

    const outcome = await run([nested], { n: 1 });

    expect(outcome.interrupted).toMatchObject({ targetId: nested.id, code: "invalid_json", message: expect.stringContaining("32 levels") });
    expect(outcome.payload).toEqual({ n: 1 });
  });

  it("send a JWT target a compact JWS of the body, verifiable with the server's JWKS", async () => {
    const directory = mkdtempSync(join(tmpdir(), "switchyard-chain-"));
    const store = await createSqliteStore({ path: join(directory, "keys.db") });
    try {
      const ring = createServerKeyRing({ store });
      await ring.load();
      const tokens: string[] = [];
      const target = await targetAnswering(call(), () => ({ json: { ok: true } }));
      const server = createServer((request, response) => {
        let text = "";
        request.on("data", (chunk: Buffer) => (text += chunk.toString()));
        request.on("end", () => {
          tokens.push(`${request.headers["content-type"]} ${text}`);
          response.end('{"ok":true}');
        });
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const jwtTarget: Target = { ...target, payloadType: "jwt", endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };

      const outcome = await run([jwtTarget], { n: 1 }, [], (payload) => ring.sign(payload));

      expect(outcome).toEqual({ payload: { ok: true }, ignoredFailures: [] });
      const [contentType, token] = tokens[0]!.split(" ");
      expect(contentType).toBe("application/jwt");
      const { payload } = await compactVerify(token!, createLocalJWKSet(ring.jwks() as never));
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(functionEnvelope({ n: 1 }));
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("hand rest_async steps to the outbox without calling them, with the payload of that moment", async () => {
    const seen: Received[] = [];
    const double = await targetAnswering(call(), (body) => ({ json: { n: ((body.input as JsonObject).n as number) * 2 } }), seen);
    const later = await targetAnswering({ kind: "async" }, () => ({}), seen);
    const enqueued: unknown[] = [];

    const outcome = await run([double, later], { n: 2 }, enqueued);

    expect(outcome.payload).toEqual({ n: 4 });
    expect(enqueued).toEqual([{ target: later.id, body: functionEnvelope({ n: 4 }), messageId: "job-1.1" }]);
    expect(seen).toHaveLength(1);
  });
});
