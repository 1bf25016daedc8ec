/**
 * gRPC server reflection end to end: `buf curl` (a real reflection client that
 * compiles everything it downloads), grpc-js on v1alpha, and connect-node on
 * v1, against a real server on port 0 serving health and reflection over the
 * switchyard.v1 descriptors.
 */
import { create, createFileRegistry, type DescFile, fromBinary } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { file_grpc_health_v1_health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection, type ServerReflectionRequest } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { DeliveryService, file_switchyard_v1_delivery } from "../../gen/switchyard/v1/delivery_pb.js";
import { EventService, file_switchyard_v1_event } from "../../gen/switchyard/v1/event_pb.js";
import { ExecutionService, file_switchyard_v1_execution } from "../../gen/switchyard/v1/execution_pb.js";
import { JobService, file_switchyard_v1_job } from "../../gen/switchyard/v1/job_pb.js";
import { TargetService, file_switchyard_v1_target } from "../../gen/switchyard/v1/target_pb.js";
import { createHealthService } from "../../server/api/health-service.js";
import { createReflectionServices } from "../../server/api/reflection-service.js";
import { bufCurl } from "../support/buf-curl.js";
import { grpc, loadGrpcJsClient, readMessages } from "../support/grpc-js-client.js";
import { type StartedTransport, startTransport } from "../support/start-transport.js";

const apiFiles: DescFile[] = [
  file_switchyard_v1_target,
  file_switchyard_v1_execution,
  file_switchyard_v1_job,
  file_switchyard_v1_event,
  file_switchyard_v1_delivery,
];
const apiServiceNames = [TargetService, ExecutionService, JobService, EventService, DeliveryService].map((s) => s.typeName);
const ReflectionV1alphaClient = loadGrpcJsClient("grpc/reflection/v1alpha/reflection.proto", "grpc.reflection.v1alpha.ServerReflection");

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Health and reflection over the health and switchyard.v1 files; the switchyard services have no handlers. */
async function startReflectionServer(): Promise<StartedTransport> {
  const health = createHealthService({ services: apiServiceNames });
  const reflection = createReflectionServices([file_grpc_health_v1_health, ...apiFiles], [health.service.typeName, ...apiServiceNames]);
  const server = await startTransport((router) => {
    router.service(health.service, health.impl);
    for (const { service, impl } of reflection) router.service(service, impl);
  });
  cleanups.push(() => server.close());
  return server;
}

const lines = (text: string) => text.split("\n").filter((line) => line !== "");

describe("reflection with buf curl", () => {
  it("lists services (reflection v1)", async () => {
    const server = await startReflectionServer();

    const result = await bufCurl([server.baseUrl, "--list-services"]);

    expect(result.stderr).toBe("");
    expect(lines(result.stdout).sort()).toEqual(
      [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        ...apiServiceNames,
      ].sort(),
    );
  });

  it("lists methods, which needs every file and import compiled (buf/validate, WKTs)", async () => {
    const server = await startReflectionServer();

    const result = await bufCurl([server.baseUrl, "--list-methods"]);

    expect(result.stderr).toBe("");
    expect(lines(result.stdout)).toEqual(
      expect.arrayContaining([
        "grpc.health.v1.Health/Check",
        "grpc.health.v1.Health/Watch",
        "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "switchyard.v1.TargetService/CreateTarget",
        "switchyard.v1.EventService/WatchEvents",
      ]),
    );
  });

  it("calls Health/Check with the schema taken from reflection", async () => {
    const server = await startReflectionServer();

    const result = await bufCurl(["-d", '{"service": "switchyard.v1.TargetService"}', `${server.baseUrl}/grpc.health.v1.Health/Check`]);

    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ status: "SERVING" });
  });

  it("encodes switchyard.v1 requests from reflected schemas", async () => {
    const server = await startReflectionServer();

    // No TargetService handler is registered: reaching the server proves the
    // request was encoded; an unknown JSON field proves the schema is real.
    const encoded = await bufCurl(["-d", '{"id": "t-1"}', `${server.baseUrl}/switchyard.v1.TargetService/GetTarget`]);
    const rejected = await bufCurl(["-d", '{"no_such_field": 1}', `${server.baseUrl}/switchyard.v1.TargetService/GetTarget`]);

    expect(encoded.exitCode).not.toBe(0);
    expect(encoded.stdout + encoded.stderr).toContain('"code": "unimplemented"');
    expect(rejected.exitCode).not.toBe(0);
    expect(rejected.stdout + rejected.stderr).toContain("no_such_field");
    expect(rejected.stdout + rejected.stderr).not.toContain("unimplemented");
  });

  it("works over reflection v1alpha", async () => {
    const server = await startReflectionServer();

    const listed = await bufCurl(["--reflect-protocol", "grpc-v1alpha", server.baseUrl, "--list-methods"]);
    const called = await bufCurl(["--reflect-protocol", "grpc-v1alpha", "-d", "{}", `${server.baseUrl}/grpc.health.v1.Health/Check`]);

    expect(listed.stderr).toBe("");
    expect(lines(listed.stdout)).toContain("switchyard.v1.JobService/ExecuteJob");
    expect(JSON.parse(called.stdout)).toEqual({ status: "SERVING" });
  });
});

describe("reflection v1alpha with grpc-js", () => {
  interface AlphaResponse {
    validHost: string;
    originalRequest: Record<string, unknown>;
    messageResponse: string;
    fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
    allExtensionNumbersResponse?: { baseTypeName: string; extensionNumber: number[] };
    listServicesResponse?: { service: { name: string }[] };
    errorResponse?: { errorCode: number; errorMessage: string };
  }

  async function openStream() {
    const server = await startReflectionServer();
    const client = new ReflectionV1alphaClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    cleanups.push(() => client.close());
    const call = (client as unknown as { serverReflectionInfo(): grpc.ClientDuplexStream<object, AlphaResponse> }).serverReflectionInfo();
    cleanups.push(() => call.cancel());
    call.on("error", () => {});
    return async (request: object) => {
      const response = readMessages(call, 1);
      call.write(request);
      return (await response)[0]!;
    };
  }

  const fileNames = (response: AlphaResponse) =>
    (response.fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);

  it("finds the file of every kind of symbol", async () => {
    const ask = await openStream();
    const expectations: Array<[symbol: string, file: string]> = [
      ["switchyard.v1.TargetService", "switchyard/v1/target.proto"],
      ["switchyard.v1.TargetService.GetTarget", "switchyard/v1/target.proto"],
      ["switchyard.v1.GetTargetRequest.id", "switchyard/v1/target.proto"],
      ["switchyard.v1.Target.target_type", "switchyard/v1/target.proto"],
      ["switchyard.v1.PayloadType", "switchyard/v1/target.proto"],
      ["switchyard.v1.PAYLOAD_TYPE_JSON", "switchyard/v1/target.proto"],
      ["switchyard.v1.Details", "switchyard/v1/common.proto"],
      ["grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"],
      ["grpc.health.v1.HealthCheckResponse.SERVING", "grpc/health/v1/health.proto"],
      ["grpc.health.v1.HealthListResponse.StatusesEntry", "grpc/health/v1/health.proto"],
      ["buf.validate.field", "buf/validate/validate.proto"],
      ["google.protobuf.FieldDescriptorProto.Type", "google/protobuf/descriptor.proto"],
      ["grpc.reflection.v1alpha.ServerReflection", "grpc/reflection/v1alpha/reflection.proto"],
    ];

    for (const [symbol, file] of expectations) {
      const response = await ask({ fileContainingSymbol: symbol });
      expect({ symbol, file: fileNames(response)[0] }).toEqual({ symbol, file });
    }
  });

  it("answers files by name and extension, extension numbers, services, and NOT_FOUND in-stream", async () => {
    const ask = await openStream();

    const byName = await ask({ host: "example", fileByFilename: "switchyard/v1/target.proto" });
    const again = await ask({ fileContainingSymbol: "switchyard.v1.CreateTargetRequest" });
    const extension = await ask({ fileContainingExtension: { containingType: "google.protobuf.FieldOptions", extensionNumber: 1159 } });
    const numbers = await ask({ allExtensionNumbersOfType: "google.protobuf.FieldOptions" });
    const services = await ask({ listServices: "*" });
    const unknownSymbol = await ask({ fileContainingSymbol: "switchyard.v1.NoSuchThing" });
    const unknownFile = await ask({ fileByFilename: "nope.proto" });
    const unknownExtension = await ask({ fileContainingExtension: { containingType: "google.protobuf.FieldOptions", extensionNumber: 4242 } });
    const unknownType = await ask({ allExtensionNumbersOfType: "no.Such" });
    const afterErrors = await ask({ fileByFilename: "grpc/health/v1/health.proto" });

    expect(byName.validHost).toBe("example");
    expect(byName.originalRequest).toMatchObject({ fileByFilename: "switchyard/v1/target.proto" });
    expect(fileNames(byName)).toEqual(
      expect.arrayContaining([
        "switchyard/v1/target.proto",
        "switchyard/v1/common.proto",
        "buf/validate/validate.proto",
        "google/protobuf/descriptor.proto",
        "google/protobuf/duration.proto",
        "google/protobuf/timestamp.proto",
      ]),
    );
    expect(fileNames(byName)[0]).toBe("switchyard/v1/target.proto");
    // Imports already sent on this stream are not sent again.
    expect(fileNames(again)).toEqual(["switchyard/v1/target.proto"]);
    expect(fileNames(extension)[0]).toBe("buf/validate/validate.proto");
    expect(numbers.allExtensionNumbersResponse).toEqual({ baseTypeName: "google.protobuf.FieldOptions", extensionNumber: [1159, 1160] });
    expect(services.listServicesResponse?.service.map((s) => s.name)).toContain("grpc.reflection.v1alpha.ServerReflection");
    for (const response of [unknownSymbol, unknownFile, unknownExtension, unknownType]) {
      expect(response.messageResponse).toBe("errorResponse");
      expect(response.errorResponse?.errorCode).toBe(grpc.status.NOT_FOUND);
    }
    expect(fileNames(afterErrors)).toEqual(["grpc/health/v1/health.proto"]);
  });
});

describe("reflection v1 with connect-node", () => {
  it("serves complete, self-contained descriptors with json_name set", async () => {
    const server = await startReflectionServer();
    const client = createClient(ServerReflection, createGrpcTransport({ baseUrl: server.baseUrl }));
    const requests: Array<ServerReflectionRequest["messageRequest"]> = [
      { case: "fileContainingSymbol", value: "switchyard.v1.EventService" },
      { case: "fileContainingSymbol", value: "switchyard.v1.JobService" },
      { case: "fileContainingSymbol", value: "switchyard.v1.Nope" },
    ];

    const protos: FileDescriptorProto[] = [];
    const errors: number[] = [];
    const stream = client.serverReflectionInfo(
      (async function* () {
        for (const messageRequest of requests) yield { messageRequest };
      })(),
    );
    for await (const response of stream) {
      if (response.messageResponse.case === "fileDescriptorResponse") {
        protos.push(...response.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes)));
      }
      if (response.messageResponse.case === "errorResponse") errors.push(response.messageResponse.value.errorCode);
    }

    // Everything sent on the stream links, with valid names, and no file missing.
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: dependenciesFirst(protos) }));
    expect(registry.getService("switchyard.v1.EventService")?.methods.length).toBeGreaterThan(0);
    expect(registry.getService("switchyard.v1.JobService")?.methods.length).toBeGreaterThan(0);
    expect(registry.getFile("buf/validate/validate.proto")).toBeDefined();
    expect(new Set(protos.map((proto) => proto.name)).size).toBe(protos.length);
    const fieldsWithoutJsonName = protos.flatMap((file) =>
      allMessages(file.messageType).flatMap((m) => m.field.filter((f) => f.jsonName === "").map((f) => `${file.name}: ${m.name}.${f.name}`)),
    );
    expect(fieldsWithoutJsonName).toEqual([]);
    expect(errors).toEqual([5]);
  });
});

function allMessages(messages: FileDescriptorProto["messageType"]): FileDescriptorProto["messageType"] {
  return messages.flatMap((message) => [message, ...allMessages(message.nestedType)]);
}

/**
 * Orders files so each comes after its imports, as a FileDescriptorSet must;
 * reflection answers in no particular order. Throws if an import is missing.
 */
function dependenciesFirst(protos: FileDescriptorProto[]): FileDescriptorProto[] {
  const byName = new Map(protos.map((proto) => [proto.name, proto]));
  const ordered: FileDescriptorProto[] = [];
  const visited = new Set<string>();
  const visit = (name: string, importedBy: string) => {
    if (visited.has(name)) return;
    const proto = byName.get(name);
    if (proto === undefined) throw new Error(`${name}, imported by ${importedBy}, was not sent`);
    visited.add(name);
    for (const dependency of proto.dependency) visit(dependency, name);
    ordered.push(proto);
  };
  for (const proto of protos) visit(proto.name, "the client");
  return ordered;
}
