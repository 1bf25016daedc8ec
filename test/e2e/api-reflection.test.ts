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
