/**
 * The typed Switchyard client for Node: everything of `client/index.ts`, and
 * `createSwitchyardClient` also speaks `"grpc"` (HTTP/2 through
 * `@connectrpc/connect-node`; cleartext h2c for `http://`, TLS with ALPN for
 * `https://`). Never import this file from browser code.
 */
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";
import { bearerInterceptor } from "./bearer.js";
import { createSwitchyardClient as createFetchClient } from "./index.js";
import type { SwitchyardClientOptions } from "./options.js";
import { type SwitchyardClient, clientsOver } from "./services.js";

export * from "./index.js";

/**
 * Creates typed clients of every switchyard.v1 service that authenticate with
 * `options.token`, over `"connect"` (default), `"grpc-web"` or `"grpc"`.
 * A gRPC client keeps an HTTP/2 connection (idle ones do not hold the process
 * open); `close()` ends it.
 */
export function createSwitchyardClient(options: SwitchyardClientOptions): SwitchyardClient {
  if (options.protocol !== "grpc") return createFetchClient(options);
  const sessionManager = new Http2SessionManager(options.baseUrl);
  const transport = createGrpcTransport({
    baseUrl: options.baseUrl,
    sessionManager,
    interceptors: [...(options.token === undefined ? [] : [bearerInterceptor(options.token)]), ...(options.interceptors ?? [])],
    ...(options.defaultTimeoutMs === undefined ? {} : { defaultTimeoutMs: options.defaultTimeoutMs }),
  });
  return clientsOver(transport, "grpc", () => sessionManager.abort());
}
