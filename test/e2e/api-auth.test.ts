/**
 * Authentication and scopes end to end, table-driven from the descriptors:
 * every RPC of every API service, over Connect (JSON), gRPC and gRPC-web,
 * without a token, with a bad token, with an expired JWT, and with an API key
 * and a JWT that lack the scope the method declares. Health and reflection
 * stay open.
 */
import { type DescMethod, create } from "@bufbuild/protobuf";
import { Code, type ConnectError, type Transport, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { apiServices } from "../../server/app.js";
import { parseConfiguredApiKeys } from "../../server/auth/configured-keys.js";
import { requiredScopesOf } from "../../server/auth/scope-table.js";
import { scopes } from "../../server/domain/scopes.js";
import { expectJsonError } from "../support/api-fixtures.js";
import { bufCurl } from "../support/buf-curl.js";
import { bearer, connectErrorOf, postJson } from "../support/clients.js";
import { type TestIssuer, startTestIssuer } from "../support/jwt-issuer.js";
import { type RunningServer, startServer } from "../support/start-server.js";

const grantable = scopes.filter((scope) => scope !== "admin");
/** An API key holding every scope but `scope`. */
const keyWithout = (scope: string) => `sy_test_without_${scope.replace(":", "_")}`;

let server: RunningServer;
let issuer: TestIssuer;
let transports: Record<"connect" | "grpc" | "grpc-web", Transport>;

beforeAll(async () => {
  issuer = await startTestIssuer();
  const apiKeys = parseConfiguredApiKeys(
    grantable.map((scope) => ({
      key: keyWithout(scope),
      owner: "default",
      scopes: grantable.filter((other) => other !== scope),
      name: `all but ${scope}`,
    })),
  );
  server = await startServer({ config: { ...issuer.config(), apiKeys } });
  transports = {
    connect: createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }),
    grpc: createGrpcTransport({ baseUrl: server.baseUrl }),
    "grpc-web": createGrpcWebTransport({ baseUrl: server.baseUrl }),
  };
});

afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

/** Calls `method` with an empty request and `headers`; answers the error it fails with. */
async function failureOf(transport: Transport, method: DescMethod, headers: Record<string, string>): Promise<ConnectError> {
  const client = createClient(method.parent, transport) as unknown as Record<string, (...args: unknown[]) => unknown>;
  const input = create(method.input);
  const call = client[method.localName]!;
  if (method.methodKind === "unary") return connectErrorOf(call(input, { headers }) as Promise<unknown>);
  return connectErrorOf(
    (async () => {
      for await (const _ of call(input, { headers }) as AsyncIterable<unknown>) break;
    })(),
  );
}

function expectAuthError(error: ConnectError, reason: string, challenge: RegExp): Record<string, string> {
  expect(error.code, error.rawMessage).toBe(Code.Unauthenticated);
  const [info] = error.findDetails(ErrorInfoSchema);
  expect(info).toMatchObject({ reason, domain: "switchyard" });
  expect(error.metadata.get("www-authenticate")).toMatch(challenge);
  return info!.metadata;
}

const methods = apiServices.flatMap((service) => service.methods);
const protocols = ["connect", "grpc", "grpc-web"] as const;

describe.each(protocols)("every RPC over %s", (protocol) => {
  it.each(methods.map((method) => [`${method.parent.name}/${method.name}`, method] as const))(
    "%s refuses a missing, bad or expired token with invalid_token",
    async (_name, method) => {
      // given
      const transport = transports[protocol];
      const expired = await issuer.sign({}, { issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresAt: Math.floor(Date.now() / 1000) - 3600 });

      // when
      const none = await failureOf(transport, method, {});
      const unknownKey = await failureOf(transport, method, bearer("sy_not_a_key_of_this_server"));
      const notBearer = await failureOf(transport, method, { authorization: "Basic dXNlcjpwYXNz" });
      const expiredJwt = await failureOf(transport, method, bearer(expired));

      // then
      expectAuthError(none, "invalid_token", /^Bearer realm="switchyard"$/);
      expect(none.rawMessage).toMatch(/no token/);
      expectAuthError(unknownKey, "invalid_token", /error="invalid_token"/);
      expectAuthError(notBearer, "invalid_token", /error="invalid_token"/);
      expectAuthError(expiredJwt, "invalid_token", /error="invalid_token"/);
      expect(expiredJwt.rawMessage).toMatch(/expired/);
    },
  );

  it.each(requiredScopesOf(apiServices).map(({ procedure, scope }) => [procedure, scope, methods.find((m) => `${m.parent.typeName}/${m.name}` === procedure)!] as const))(
    "%s needs %s: an API key and a JWT without it get scope_missing naming it",
    async (_procedure, scope, method) => {
      // given
      const transport = transports[protocol];
      const jwt = await issuer.sign({ scope: grantable.filter((other) => other !== scope).join(" ") });

      // when
      const byKey = await failureOf(transport, method, bearer(keyWithout(scope)));
      const byJwt = await failureOf(transport, method, bearer(jwt));

      // then
      const challenge = new RegExp(`error="insufficient_scope", scope="${scope}"`);
      expect(expectAuthError(byKey, "scope_missing", challenge)).toEqual({ scope });
      expect(expectAuthError(byJwt, "scope_missing", challenge)).toEqual({ scope });
    },
  );
});

describe("tokens that work", () => {
  it("an API key, the development key (bearer in any case) and a JWT reach the handler", async () => {
    // given
    const jwt = await issuer.sign({ scp: ["targets:read"], owner: "default" });

    // when
    const byKey = await postJson(server.baseUrl, "TargetService/ListTargets", {}, bearer(keyWithout("targets:write")));
    const byDevKey = await postJson(server.baseUrl, "TargetService/ListTargets", {}, { authorization: "bearer sy_dev_switchyard" });
    const byJwt = await postJson(server.baseUrl, "TargetService/ListTargets", {}, bearer(jwt));

    // then
    for (const reply of [byKey, byDevKey, byJwt]) expect(reply.status, reply.text).toBe(200);
  });

  it("checks the token before validating the request: a bad request without a token is UNAUTHENTICATED", async () => {
    const reply = await postJson(server.baseUrl, "TargetService/GetTarget", { id: "" }, { authorization: undefined });

    expectJsonError(reply, 401, "unauthenticated", "invalid_token");
  });
});

describe("JWT claims", () => {
  it.each([
    ["another issuer", { iss: "https://someone-else.test" }, /"iss" claim/],
    ["another audience", { aud: "another-service" }, /"aud" claim/],
    ["no subject", { sub: undefined }, /"sub" claim/],
    ["no owner", { owner: undefined }, /claim "owner"/],
    ["a non-string owner", { owner: 42 }, /claim "owner"/],
    ["not yet valid", { nbf: Math.floor(Date.now() / 1000) + 3600 }, /"nbf" claim/],
  ])("refuses a JWT with %s as invalid_token", async (_case, claims, message) => {
    const token = await issuer.sign(claims as Record<string, unknown>);

    const reply = await postJson(server.baseUrl, "TargetService/ListTargets", {}, bearer(token));

    expectJsonError(reply, 401, "unauthenticated", "invalid_token");
    expect(reply.body.message).toMatch(message);
  });

  it("refuses a JWT with a forged signature or no signature", async () => {
    const token = await issuer.sign();
    const [header, payload] = token.split(".") as [string, string, string];
    const otherPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), owner: "victim" })).toString("base64url");
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;

    const forged = await postJson(server.baseUrl, "TargetService/ListTargets", {}, bearer(`${header}.${otherPayload}.${token.split(".")[2]}`));
    const none = await postJson(server.baseUrl, "TargetService/ListTargets", {}, bearer(unsigned));

    expect(expectJsonError(forged, 401, "unauthenticated", "invalid_token")).toBeDefined();
    expect(forged.body.message).toMatch(/signature/);
    expectJsonError(none, 401, "unauthenticated", "invalid_token");
  });

  it("tolerates clock skew on exp (30 s by default) and no more", async () => {
    const now = Math.floor(Date.now() / 1000);
    const justExpired = await issuer.sign({}, { issuedAt: now - 600, expiresAt: now - 10 });
    const longExpired = await issuer.sign({}, { issuedAt: now - 600, expiresAt: now - 120 });

    const within = await postJson(server.baseUrl, "TargetService/ListTargets", {}, bearer(justExpired));
    const beyond = await postJson(server.baseUrl, "TargetService/ListTargets", {}, bearer(longExpired));

    expect(within.status, within.text).toBe(200);
    expectJsonError(beyond, 401, "unauthenticated", "invalid_token");
  });
});

describe("over plain HTTP", () => {
  it("sends WWW-Authenticate as a 401's header on Connect, in the trailers frame on gRPC-web, and in the gRPC trailers-only response", async () => {
    // when
    const connect = await fetch(`${server.baseUrl}/switchyard.v1.TargetService/ListTargets`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const grpcWeb = await fetch(`${server.baseUrl}/switchyard.v1.TargetService/ListTargets`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
      body: new Uint8Array([0, 0, 0, 0, 0]),
    });
    const grpcError = await failureOf(transports.grpc, apiServices[0]!.methods.find((m) => m.name === "ListTargets")!, {});

    // then
    expect(connect.status).toBe(401);
    expect(connect.headers.get("www-authenticate")).toBe('Bearer realm="switchyard"');
    expect(grpcWeb.status).toBe(200);
    const trailers = Buffer.from(await grpcWeb.arrayBuffer()).subarray(5).toString().split("\r\n");
    expect(trailers).toEqual(expect.arrayContaining(["grpc-status: 16", 'www-authenticate: Bearer realm="switchyard"']));
    expect(grpcError.metadata.get("www-authenticate")).toBe('Bearer realm="switchyard"');
  });

  it("leaves health and reflection open", async () => {
    const check = await fetch(`${server.baseUrl}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const services = await bufCurl(["--list-services", server.baseUrl], null);

    expect(check.status).toBe(200);
    expect(await check.json()).toEqual({ status: "SERVING" });
    expect(services.exitCode, services.stderr).toBe(0);
    expect(services.stdout).toContain("switchyard.v1.TargetService");
  });
});
