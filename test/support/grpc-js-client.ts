/**
 * grpc-js clients built from the .proto sources staged in .protodeps/ (see
 * scripts/protodeps.mjs), the way a third-party gRPC user would build them.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";

const protodeps = fileURLToPath(new URL("../../.protodeps/", import.meta.url));

/** A grpc-js client constructor for `serviceName` (e.g. "grpc.health.v1.Health") from `protoFile` under .protodeps/. */
export function loadGrpcJsClient(protoFile: string, serviceName: string): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(protoFile, { includeDirs: [protodeps], enums: String, defaults: true, oneofs: true });
  // loadPackageDefinition nests by package; walk the dotted name.
  const found = serviceName
    .split(".")
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], grpc.loadPackageDefinition(definition));
  if (typeof found !== "function") throw new Error(`service ${serviceName} not found in ${protoFile}`);
  return found as grpc.ServiceClientConstructor;
}

/** Resolves with the first `count` messages of a server stream. */
export function readMessages<T>(call: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>, count: number): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    const onData = (message: T) => {
      messages.push(message);
      if (messages.length === count) {
        call.off("data", onData);
        call.off("error", reject);
        resolve(messages);
      }
    };
    call.on("data", onData);
    call.once("error", reject);
  });
}

/** Resolves with how a stream ended: its status code (OK when it ended cleanly). */
export function streamEnd(call: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>): Promise<grpc.status> {
  return new Promise((resolve) => {
    call.on("data", () => {});
    call.once("error", (error: grpc.ServiceError) => resolve(error.code));
    call.once("status", (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) resolve(status.code);
    });
  });
}

/** grpc-js itself, so tests take it from one place. */
export { grpc };

/** Calls unary `method` of a grpc-js client and resolves with its response. */
export function callUnary<T>(client: grpc.Client, method: string, request: object, deadlineMs = 10_000): Promise<T> {
  const invoke = (client as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>)[method];
  if (typeof invoke !== "function") throw new Error(`no method ${method}`);
  return new Promise((resolve, reject) => {
    invoke.call(client, request, { deadline: Date.now() + deadlineMs }, (error: grpc.ServiceError | null, response: T) =>
      error ? reject(error) : resolve(response),
    );
  });
}
