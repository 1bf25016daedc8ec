/**
 * Hostile input, property-based: every RPC of the switchyard.v1 API gets
 * thousands of random and malformed bodies over Connect JSON, Connect binary,
 * Connect GET and gRPC. Whatever arrives, the server never answers INTERNAL or
 * UNKNOWN, never breaks the protocol, never crashes, still answers health
 * afterwards, a rejected request leaves the store as it was, and whatever was
 * accepted can be read back by a binary client.
 */
import { gzipSync } from "node:zlib";
import type { DescMethod } from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { apiServices } from "../../server/app.js";
import { devApiKeyGrant } from "../../server/auth/api-key-tokens.js";
import { createConnectBinaryClients } from "../support/clients.js";
import { useServer } from "../support/use-server.js";
import { type Body, framedBodies, protobufBytes, unaryBodies } from "./hostile-bodies.js";
import { jsonBytes } from "./hostile-json.js";
import { storeSnapshot } from "./store-snapshot.js";
import { validRequests } from "./valid-requests.js";
import { type WireOutcome, connectGet, connectPost, frame, grpcCall, openGrpcSession } from "./wire-calls.js";

const server = useServer("each");

/** Runs per protocol, sized for about 30 s on two cores; `SWITCHYARD_FUZZ_SCALE=10` runs ten times as many. */
const runs = (count: number) => Math.round(count * Number(process.env.SWITCHYARD_FUZZ_SCALE ?? 1));

const methods = new Map<string, DescMethod>(
  apiServices.flatMap((service) => service.methods.map((method) => [`${service.typeName}/${method.name}`, method] as const)),
);
const procedures = [...methods.keys()];
const isGettable = (method: DescMethod) =>
  method.methodKind === "unary" && method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
const getProcedures = procedures.filter((procedure) => isGettable(methods.get(procedure)!));
const methodOf = (procedure: string) => methods.get(procedure)!;
const isStreaming = (procedure: string) => methodOf(procedure).methodKind !== "unary";
const jsonFor = (procedure: string) => jsonBytes(methodOf(procedure).input, validRequests[procedure]);
const protobufFor = (procedure: string) => protobufBytes(methodOf(procedure).input, validRequests[procedure]);

/** Per test: requests sent and answers by code, printed as one line. */
let tally: Map<string, number>;
let consoleError: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  tally = new Map();
  // connect-node reports a handler that threw past its error handling here.
  consoleError = vi.spyOn(console, "error");
});

afterEach(async (context) => {
  const counts = [...tally].map(([code, count]) => `${code} ${count}`).join(", ");
  console.info(`${context.task.name}: ${counts}`);
  expect(consoleError).not.toHaveBeenCalled();
  consoleError.mockRestore();
  await expectHealthy();
  await expectReadable();
});

/** Sends one request and checks the answer and, when it was rejected, the store. */
async function probe(send: () => Promise<WireOutcome>): Promise<void> {
  const before = await storeSnapshot(server.store, devApiKeyGrant.resourceOwner);
  const outcome = await send();
  const label = outcome.open ? "open" : outcome.code === undefined ? "OK" : Code[outcome.code];
  tally.set(label, (tally.get(label) ?? 0) + 1);
  const description = `${outcome.protocol} ${outcome.procedure} → ${label}: ${outcome.broken ?? outcome.message}`;
  expect(outcome.broken, description).toBeUndefined();
  expect([Code.Internal, Code.Unknown], description).not.toContain(outcome.code);
  expect(outcome.message, description).not.toMatch(/sqlite|SQL|    at /);
  if (outcome.code !== undefined) expect(await storeSnapshot(server.store, devApiKeyGrant.resourceOwner), description).toEqual(before);
}

async function expectHealthy(): Promise<void> {
  const session = openGrpcSession(server.baseUrl);
  try {
    const health = await grpcCall(session, "grpc.health.v1.Health/Check", frame(new Uint8Array()), { streaming: false });
    expect(health.code, health.message).toBeUndefined();
  } finally {
    session.close();
  }
}

/** Every list answers a binary client (protobuf-es, default limits): nothing stored is unreadable. */
async function expectReadable(): Promise<void> {
  const clients = createConnectBinaryClients(server.baseUrl);
  const page = { pagination: { limit: 1_000 } };
  try {
    await clients.events.listEvents(page);
    await clients.targets.listTargets(page);
    await clients.executions.listExecutions(page);
    await clients.jobs.listJobs(page);
    await clients.deliveries.listDeliveries(page);
  } finally {
    clients.close();
  }
}

const asProcedureAnd = <T>(pick: (procedure: string) => fc.Arbitrary<T>) =>
  fc.constantFrom(...procedures).chain((procedure) => pick(procedure).map((body) => ({ procedure, body })));

describe("hostile input", () => {
  it("Connect JSON: every RPC", { timeout: 60_000 }, async () => {
    const requests = asProcedureAnd((procedure) => {
      const json = jsonFor(procedure);
      return isStreaming(procedure) ? framedBodies(json, "connect-content-encoding") : unaryBodies(json);
    });
    await fc.assert(
      fc.asyncProperty(requests, ({ procedure, body }) =>
        probe(() => postBody(procedure, body, isStreaming(procedure) ? "application/connect+json" : "application/json")),
      ),
      { numRuns: runs(1_200) },
    );
  });

  it("Connect binary: every RPC", { timeout: 60_000 }, async () => {
    const requests = asProcedureAnd((procedure) => {
      const proto = protobufFor(procedure);
      return isStreaming(procedure) ? framedBodies(proto, "connect-content-encoding") : unaryBodies(proto);
    });
    await fc.assert(
      fc.asyncProperty(requests, ({ procedure, body }) =>
        probe(() => postBody(procedure, body, isStreaming(procedure) ? "application/connect+proto" : "application/proto")),
      ),
      { numRuns: runs(1_200) },
    );
  });

  it("Connect GET: every NO_SIDE_EFFECTS unary RPC", { timeout: 60_000 }, async () => {
    const requests = fc.constantFrom(...getProcedures).chain((procedure) => getQuery(procedure).map((query) => ({ procedure, query })));
    await fc.assert(
      fc.asyncProperty(requests, ({ procedure, query }) => probe(() => connectGet(server.baseUrl, procedure, query))),
      { numRuns: runs(400) },
    );
  });

  it("gRPC: every RPC", { timeout: 60_000 }, async () => {
    const session = openGrpcSession(server.baseUrl);
    try {
      const requests = asProcedureAnd((procedure) => framedBodies(protobufFor(procedure), "grpc-encoding"));
      await fc.assert(
        fc.asyncProperty(requests, ({ procedure, body }) =>
          probe(() => grpcCall(session, procedure, body.bytes, { streaming: isStreaming(procedure), headers: body.headers })),
        ),
        { numRuns: runs(1_500) },
      );
    } finally {
      session.close();
    }
  });
});

function postBody(procedure: string, body: Body, contentType: string): Promise<WireOutcome> {
  return connectPost(server.baseUrl, procedure, body.bytes, { contentType, streaming: isStreaming(procedure), headers: body.headers });
}

/** Query strings of a Connect GET: JSON or base64 protobuf, malformed base64, compressed or not; short enough for a URL. */
function getQuery(procedure: string): fc.Arbitrary<string> {
  const percent = (bytes: Uint8Array) => [...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");
  return fc
    .oneof(
      jsonFor(procedure).map((bytes) => `encoding=json&message=${percent(bytes)}`),
      protobufFor(procedure).map((bytes) => `encoding=proto&base64=1&message=${base64Encode(bytes, "url")}`),
      protobufFor(procedure).map((bytes) => `encoding=proto&message=${percent(bytes)}`),
      fc.string({ maxLength: 40 }).map((text) => `encoding=proto&base64=1&message=${encodeURIComponent(text)}`),
      fc.string({ maxLength: 40 }).map((text) => `encoding=json&base64=1&message=${encodeURIComponent(text)}`),
      protobufFor(procedure).map((bytes) => `encoding=proto&base64=1&compression=gzip&message=${base64Encode(gzipSync(bytes), "url")}`),
      protobufFor(procedure).map((bytes) => `encoding=proto&base64=1&compression=gzip&message=${base64Encode(bytes, "url")}`),
      // Anything after a valid encoding (without one, the answer is HTTP 415 by the protocol).
      fc
        .tuple(fc.constantFrom("json", "proto"), fc.string({ maxLength: 60 }))
        .map(([encoding, text]) => `encoding=${encoding}&${encodeURIComponent(text).replace(/%3D/g, "=").replace(/%26/g, "&")}`),
    )
    .filter((query) => query.length < 8_000);
}
