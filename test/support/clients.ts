/**
 * Independent clients for end-to-end tests, each speaking one protocol the
 * way a real user would:
 *
 * - `postJson` / `getJson`: plain `fetch` with Connect JSON, exactly like curl;
 * - `createGrpcClients`: @grpc/grpc-js over the .proto files (compiled by buf,
 *   loaded by @grpc/proto-loader), no generated code;
 * - `createGrpcWebClients`: connect-web's gRPC-web transport over global fetch;
 * - `createConnectBinaryClients`: connect-node, Connect binary over HTTP/2.
 *
 * Every client sends `Authorization: Bearer <the development key>` unless told
 * otherwise: test servers run in development mode, where that key is `admin`
 * for owner `default`.
 */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import { type Client, ConnectError, type Interceptor, createClient } from "@connectrpc/connect";
import { Http2SessionManager, createConnectTransport } from "@connectrpc/connect-node";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { DeliveryService } from "../../gen/switchyard/v1/delivery_pb.js";
import { EventService } from "../../gen/switchyard/v1/event_pb.js";
import { ExecutionService } from "../../gen/switchyard/v1/execution_pb.js";
import { JobService } from "../../gen/switchyard/v1/job_pb.js";
import { TargetService } from "../../gen/switchyard/v1/target_pb.js";
import { devApiKey } from "../../server/auth/api-key-tokens.js";

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A JSON answer as fetch saw it. The body is `any` on purpose: tests assert its exact shape. */
export interface JsonReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: any;
}

async function readReply(response: Response): Promise<JsonReply> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** The token test clients send by default: the development key. */
export const devToken: string = devApiKey;

/** `{authorization: "Bearer <token>"}`. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** Headers for a request: the dev key's Authorization, overridden (or removed, with `undefined`) by `headers`. */
function requestHeaders(headers: Record<string, string | undefined>, base: Record<string, string> = {}): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...base, ...bearer(devToken), ...headers };
  return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * `POST {baseUrl}/switchyard.v1.{path}` with a JSON body, like
 * `curl -H 'content-type: application/json' -H 'authorization: Bearer …' -d '…'`.
 * A string body is sent verbatim. `{authorization: undefined}` sends no token.
 */
export async function postJson(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string | undefined> = {},
): Promise<JsonReply> {
  const response = await fetch(`${baseUrl}/switchyard.v1.${path}`, {
    method: "POST",
    headers: requestHeaders(headers, { "content-type": "application/json" }),
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return readReply(response);
}

/** Connect GET of a NO_SIDE_EFFECTS method: `?encoding=json&message=<urlencoded json>`. */
export async function getJson(
  baseUrl: string,
  path: string,
  message: unknown,
  headers: Record<string, string | undefined> = {},
): Promise<JsonReply> {
  const query = new URLSearchParams({ encoding: "json", message: JSON.stringify(message) });
  const response = await fetch(`${baseUrl}/switchyard.v1.${path}?${query}`, { method: "GET", headers: requestHeaders(headers) });
  return readReply(response);
}

let packageDefinition: protoLoader.PackageDefinition | undefined;

/**
 * The switchyard.v1 .proto files as proto-loader definitions. protobufjs cannot
 * parse buf/validate/validate.proto (list-valued option literals), so buf
 * compiles proto/ and .protodeps/ into a FileDescriptorSet first.
 */
function switchyardDefinition(): protoLoader.PackageDefinition {
  if (!packageDefinition) {
    const buf = join(repositoryRoot, "node_modules", ".bin", "buf");
    const descriptorSet = execFileSync(buf, ["build", "--path", "proto/switchyard/v1", "-o", "-#format=binpb"], {
      cwd: repositoryRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    packageDefinition = protoLoader.loadFileDescriptorSetFromBuffer(descriptorSet, {
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    });
  }
  return packageDefinition;
}

/** A grpc-js client of one service; methods are looked up by their proto name. */
export type GrpcServiceClient = grpc.Client & Record<string, grpc.MethodDefinition<unknown, unknown> & Function>;

export interface GrpcClients {
  readonly targets: GrpcServiceClient;
  readonly executions: GrpcServiceClient;
  readonly events: GrpcServiceClient;
  readonly jobs: GrpcServiceClient;
  readonly deliveries: GrpcServiceClient;
  close(): void;
}

/**
 * grpc-js clients of every switchyard.v1 service, plaintext HTTP/2 to
 * 127.0.0.1:port, sending `authorization: Bearer <token>` metadata (the dev
 * key by default; `null`: none).
 */
export function createGrpcClients(port: number, token: string | null = devToken): GrpcClients {
  const loaded = grpc.loadPackageDefinition(switchyardDefinition()) as unknown as {
    switchyard: { v1: Record<string, grpc.ServiceClientConstructor> };
  };
  const v1 = loaded.switchyard.v1;
  const address = `127.0.0.1:${port}`;
  const credentials = grpc.credentials.createInsecure();
  // Call credentials need a secure channel; a client interceptor adds the metadata over h2c.
  const interceptors = token === null ? [] : [grpcBearerInterceptor(token)];
  const make = (name: string) => new v1[name]!(address, credentials, { interceptors }) as unknown as GrpcServiceClient;
  const clients = {
    targets: make("TargetService"),
    executions: make("ExecutionService"),
    events: make("EventService"),
    jobs: make("JobService"),
    deliveries: make("DeliveryService"),
  };
  return {
    ...clients,
    close() {
      for (const client of Object.values(clients)) client.close();
    },
  };
}

/** A grpc-js client interceptor that adds `authorization: Bearer <token>` to every call's metadata. */
export function grpcBearerInterceptor(token: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set("authorization", `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/** A Connect client interceptor that sends `authorization: Bearer <token>` (for connect-node and connect-web transports). */
export function bearerInterceptor(token: string = devToken): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
}

/** A unary grpc-js call as a promise of the response and its initial metadata. */
export function grpcUnary<Response = Record<string, unknown>>(
  client: GrpcServiceClient,
  method: string,
  request: unknown,
): Promise<{ response: Response; metadata: grpc.Metadata }> {
  return new Promise((resolve, reject) => {
    let metadata = new grpc.Metadata();
    const call = (client[method] as Function).call(
      client,
      request,
      (error: grpc.ServiceError | null, response: Response) => (error ? reject(error) : resolve({ response, metadata })),
    ) as grpc.ClientUnaryCall;
    call.on("metadata", (received: grpc.Metadata) => (metadata = received));
  });
}

/** A grpc-js failure as a ConnectError, so its details (ErrorInfo, Violations) can be read. */
export function grpcErrorDetails(error: grpc.ServiceError): ConnectError {
  const headers = new Headers();
  for (const [key, value] of Object.entries(error.metadata.getMap())) {
    headers.set(key, Buffer.isBuffer(value) ? value.toString("base64") : value);
  }
  headers.set("grpc-status", String(error.code));
  headers.set("grpc-message", encodeURIComponent(error.details));
  const found = findTrailerError(headers);
  if (!found) throw new Error(`not a gRPC error: ${error.message}`);
  return found;
}

type ServiceClients = {
  readonly targets: Client<typeof TargetService>;
  readonly executions: Client<typeof ExecutionService>;
  readonly events: Client<typeof EventService>;
  readonly jobs: Client<typeof JobService>;
  readonly deliveries: Client<typeof DeliveryService>;
};

function clientsOver(transport: Parameters<typeof createClient>[1]): ServiceClients {
  const make = <S extends DescService>(service: S) => createClient(service, transport);
  return {
    targets: make(TargetService),
    executions: make(ExecutionService),
    events: make(EventService),
    jobs: make(JobService),
    deliveries: make(DeliveryService),
  };
}

/** connect-web clients over gRPC-web (HTTP/1.1, global fetch), as a browser would call; `token` null sends none. */
export function createGrpcWebClients(baseUrl: string, token: string | null = devToken): ServiceClients {
  return clientsOver(createGrpcWebTransport({ baseUrl, interceptors: token === null ? [] : [bearerInterceptor(token)] }));
}

/** connect-node clients speaking Connect with binary protobuf over HTTP/2; `token` null sends none. */
export function createConnectBinaryClients(baseUrl: string, token: string | null = devToken): ServiceClients & { close(): void } {
  const sessionManager = new Http2SessionManager(baseUrl);
  const interceptors = token === null ? [] : [bearerInterceptor(token)];
  const transport = createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, sessionManager, interceptors });
  return { ...clientsOver(transport), close: () => sessionManager.abort() };
}

/** The ConnectError a promise rejects with; fails when it resolves. */
export async function connectErrorOf(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** The grpc-js ServiceError a promise rejects with; fails when it resolves. */
export async function grpcErrorOf(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    if (error && typeof error === "object" && "code" in error && "metadata" in error) return error as grpc.ServiceError;
    throw error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
