/**
 * Starts the one-port transport on 127.0.0.1 port 0 around any Connect routes,
 * without the rest of Switchyard, and records the HTTP version of every
 * request it serves so tests can prove which protocol a client used.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import pino from "pino";
import { type StaticRouteHandler, withStaticRoutes } from "../../server/transport/http-routes.js";
import { createOnePortServer, type Http1Timeouts, type OnePortServer } from "../../server/transport/one-port-server.js";

export interface StartedTransport {
  readonly port: number;
  /** `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS. */
  readonly baseUrl: string;
  readonly server: OnePortServer;
  /** `request.httpVersion` of each request served, in arrival order ("1.1", "2.0"). */
  readonly httpVersions: string[];
  /** Closes the server (idempotent); the default grace is short, for tests. */
  close(graceMs?: number): Promise<void>;
}

export interface StartTransportOptions {
  tls?: { cert: string; key: string };
  staticRoutes?: Record<string, StaticRouteHandler>;
  http1?: Partial<Http1Timeouts>;
}

/** Starts a transport serving `routes`; close it in `afterEach`/`finally`. */
export async function startTransport(
  routes: (router: ConnectRouter) => void,
  options: StartTransportOptions = {},
): Promise<StartedTransport> {
  const httpVersions: string[] = [];
  const connectHandler = withStaticRoutes(connectNodeAdapter({ routes }), options.staticRoutes ?? {});
  const server = createOnePortServer({
    handler: (request, response) => {
      httpVersions.push(request.httpVersion);
      connectHandler(request, response);
    },
    logger: pino({ level: process.env.SWITCHYARD_TEST_LOG_LEVEL ?? "silent" }),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.http1 ? { http1: options.http1 } : {}),
  });
  const { port } = await server.listen(0, "127.0.0.1");
  return {
    port,
    baseUrl: options.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    server,
    httpVersions,
    close: (graceMs = 500) => server.close({ graceMs }),
  };
}
