/**
 * The real app's reflection, through `buf curl` (an independent client that
 * needs nothing but the server): every service served is listed and callable.
 */
import { describe, expect, it } from "vitest";
import { bufCurl } from "../support/buf-curl.js";
import { useServer } from "../support/use-server.js";

const server = useServer("all");

describe("server reflection of the app", () => {
  it("lists every service the server serves, health and reflection included", async () => {
    const result = await bufCurl([server.baseUrl, "--list-services"]);

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.trim().split("\n")).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "switchyard.v1.DeliveryService",
      "switchyard.v1.EventService",
      "switchyard.v1.ExecutionService",
      "switchyard.v1.JobService",
      "switchyard.v1.TargetService",
    ]);
  });

  it("calls an API method and health with schemas taken from reflection alone", async () => {
    const created = await bufCurl([
      "-d",
      '{"name":"via-buf-curl","endpoint":"https://example.com/hook","timeout":"2s","restCall":{}}',
      `${server.baseUrl}/switchyard.v1.TargetService/CreateTarget`,
    ]);
    const health = await bufCurl(["-d", "{}", `${server.baseUrl}/grpc.health.v1.Health/Check`]);

    expect(created.exitCode, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ details: { sequence: "1", resourceOwner: "default" } });
    expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes the server's public signing key on the same port, and nothing private", async () => {
    const response = await fetch(`${server.baseUrl}/.well-known/jwks.json`);
    const posted = await fetch(`${server.baseUrl}/.well-known/jwks.json`, { method: "POST" });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/jwk-set+json");
    expect(response.headers.get("x-request-id")).toEqual(expect.any(String));
    const { keys } = (await response.json()) as { keys: Record<string, string>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(keys[0]).not.toHaveProperty("d");
    expect(posted.status).toBe(405);
  });
});
