/**
 * The typed Switchyard client for browsers and Node, over fetch: Connect
 * (JSON or binary) and gRPC-web through `@connectrpc/connect-web`. Nothing
 * here imports a Node built-in, so bundlers can ship it to the browser; for
 * gRPC over HTTP/2, import `createSwitchyardClient` from `client/node.ts`.
 *
 * ```ts
 * const client = createSwitchyardClient({ baseUrl: "http://127.0.0.1:8080", token: "sy_dev_switchyard", protocol: "grpc-web" });
 * const { targets } = await client.targets.listTargets({});
 * ```
 */
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { bearerInterceptor } from "./bearer.js";
import type { SwitchyardClientOptions } from "./options.js";
import { type SwitchyardClient, clientsOver } from "./services.js";

export { bearerInterceptor, type TokenSource } from "./bearer.js";
export { type ErrorDetails, type FieldViolation, errorDetails } from "./error-details.js";
export type { SwitchyardClientOptions } from "./options.js";
export type { Protocol, SwitchyardClient } from "./services.js";
export * from "./types.js";
export { type WaitOptions, isTerminalStatus, waitForBatch, waitForJob } from "./wait.js";
export { Code, ConnectError } from "@connectrpc/connect";

/**
 * Creates typed clients of every switchyard.v1 service that authenticate with
 * `options.token`. Protocols: `"connect"` (default) and `"grpc-web"`;
 * `"grpc"` throws here (use the Node entry point).
 */
export function createSwitchyardClient(options: SwitchyardClientOptions): SwitchyardClient {
  const protocol = options.protocol ?? "connect";
  const common = {
    baseUrl: options.baseUrl,
    interceptors: [...(options.token === undefined ? [] : [bearerInterceptor(options.token)]), ...(options.interceptors ?? [])],
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.defaultTimeoutMs === undefined ? {} : { defaultTimeoutMs: options.defaultTimeoutMs }),
  };
  switch (protocol) {
    case "connect":
      return clientsOver(createConnectTransport({ ...common, useBinaryFormat: options.useBinaryFormat ?? false }), protocol);
    case "grpc-web":
      return clientsOver(createGrpcWebTransport(common), protocol);
    case "grpc":
      throw new Error('protocol "grpc" needs HTTP/2: import createSwitchyardClient from client/node.ts (Node only), or use "grpc-web" or "connect"');
    default:
      throw new Error(`unknown protocol ${String(protocol)}: use "connect", "grpc-web" or "grpc"`);
  }
}
