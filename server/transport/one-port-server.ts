import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type { TLSSocket } from "node:tls";
import type { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { createConnectionTracker, type ConnectionTracker } from "./connection-tracker.js";
import { sniffProtocol } from "./preface-sniffer.js";

/** Timeouts for HTTP/1.x connections; HTTP/2 sessions have none (server streams are long-lived). */
export interface Http1Timeouts {
  /** Time to receive a request's headers; also the time a new connection may stay silent. Default 15 s. */
  headersTimeoutMs: number;
  /** Time to receive a whole request body (not the response). Default 5 min. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open; above common 60 s proxy timeouts. Default 65 s. */
  keepAliveTimeoutMs: number;
}

/** Options of {@link createOnePortServer}. */
export interface OnePortServerOptions {
  /** A connect-node adapter handler (or any handler that works for HTTP/1.1 and HTTP/2). */
  handler: ReturnType<typeof connectNodeAdapter>;
  /** Serve TLS with ALPN ("h2", "http/1.1") instead of cleartext with preface sniffing. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** Gets session errors (debug) and connections destroyed at the grace deadline (warn). */
  logger?: Logger;
  /** Overrides of {@link Http1Timeouts}. */
  http1?: Partial<Http1Timeouts>;
}

/** One TCP port serving gRPC, gRPC-web and Connect over HTTP/1.1 and HTTP/2. */
export interface OnePortServer {
  /** Starts listening; `port` 0 picks a free port, which is returned. */
  listen(port: number, host?: string): Promise<{ port: number }>;
  /**
   * Stops accepting connections, lets in-flight requests and streams finish
   * for up to `graceMs` (default 10 s), then destroys what is still open.
   * Resolves once every connection is closed. Safe to call more than once.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

const defaultHttp1Timeouts: Http1Timeouts = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 65_000,
};
const defaultGraceMs = 10_000;

/**
 * Creates a server for one port. In cleartext, each connection's first bytes
 * decide between an inner HTTP/2 server (prior knowledge, as gRPC clients
 * use) and an inner HTTP/1.1 server (fetch, browsers, gRPC-web), because
 * Node's `allowHTTP1` only works with TLS. With TLS, ALPN decides.
 */
export function createOnePortServer(options: OnePortServerOptions): OnePortServer {
  const timeouts = { ...defaultHttp1Timeouts, ...options.http1 };
  const tracker = createConnectionTracker();
  const logger = options.logger;
  const onRequest = (request: http.IncomingMessage | http2.Http2ServerRequest, response: http.ServerResponse | http2.Http2ServerResponse) => {
    if (request instanceof http.IncomingMessage && response instanceof http.ServerResponse) {
      tracker.addExchange(request, response);
      endIfBodyUnread(request, response);
    }
    options.handler(request, response);
  };
  const parts = options.tls
    ? createTlsParts(options.tls, timeouts, tracker, onRequest)
    : createCleartextParts(timeouts, tracker, onRequest);
  parts.outer.on("connection", (socket: net.Socket) => tracker.addSocket(socket));
  parts.sessionServer.on("session", (session: http2.ServerHttp2Session) => {
    tracker.addSession(session);
    session.on("error", (error) => logger?.debug({ err: error }, "http/2 session error"));
  });
  let closing: Promise<void> | undefined;

  return {
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        parts.outer.once("error", reject);
        parts.outer.listen(port, host, () => {
          parts.outer.off("error", reject);
          parts.outer.on("error", (error) => logger?.error({ err: error }, "server error"));
          resolve();
        });
      });
      // The inner HTTP/1.1 server never listens itself; "listening" starts its
      // header/request timeout checks and the bookkeeping closeAllConnections needs.
      parts.http1Server?.emit("listening");
      const address = parts.outer.address() as net.AddressInfo;
      logger?.debug({ port: address.port, host: address.address, tls: options.tls !== undefined }, "transport listening");
      return { port: address.port };
    },
    close(closeOptions) {
      closing ??= shutDown(parts, tracker, closeOptions?.graceMs ?? defaultGraceMs, logger);
      return closing;
    },
  };
}

/**
 * Ends an HTTP/1.1 connection whose response finished before its request body
 * was read (a stream refused at its first message, say). The abandoned request
 * leaves Node's parser paused with the rest of the body unread, so the next
 * request on that keep-alive connection would never be answered.
 */
function endIfBodyUnread(request: http.IncomingMessage, response: http.ServerResponse): void {
  const socket = request.socket;
  response.once("finish", () => {
    if (!request.complete) socket.end();
  });
}

interface ServerParts {
  /** The server that owns the port. */
  outer: net.Server;
  /** The server whose "session" events carry the HTTP/2 sessions. */
  sessionServer: http2.Http2Server | http2.Http2SecureServer;
  /** The inner HTTP/1.1 server, in cleartext only. */
  http1Server?: http.Server;
  /** Abandons connections whose protocol is not known yet. */
  abandonUndecided(): void;
}

type RequestListener = (
  request: http.IncomingMessage | http2.Http2ServerRequest,
  response: http.ServerResponse | http2.Http2ServerResponse,
) => void;

function createCleartextParts(timeouts: Http1Timeouts, tracker: ConnectionTracker, onRequest: RequestListener): ServerParts {
  const http2Server = http2.createServer({}, onRequest);
  const http1Server = http.createServer(http1ServerOptions(timeouts), onRequest);
  const undecided = new Map<net.Socket, () => void>();
  const outer = net.createServer({ noDelay: true, keepAlive: true }, (socket) => {
    const abandon = sniffProtocol(socket, timeouts.headersTimeoutMs, (protocol) => {
      undecided.delete(socket);
      if (protocol === "h2") {
        http2Server.emit("connection", socket);
      } else {
        tracker.addHttp1Socket(socket);
        http1Server.emit("connection", socket);
        // The HTTP/1.1 parser reads the socket's handle directly and only sees
        // the unshifted bytes as 'data' events, which a paused socket never emits.
        socket.resume();
      }
    });
    undecided.set(socket, abandon);
    socket.once("close", () => undecided.delete(socket));
  });
  return {
    outer,
    sessionServer: http2Server,
    http1Server,
    abandonUndecided() {
      for (const abandon of undecided.values()) abandon();
    },
  };
}

function createTlsParts(
  tls: { cert: Buffer | string; key: Buffer | string },
  timeouts: Http1Timeouts,
  tracker: ConnectionTracker,
  onRequest: RequestListener,
): ServerParts {
  const server = http2.createSecureServer(
    {
      cert: tls.cert,
      key: tls.key,
      allowHTTP1: true,
      ALPNProtocols: ["h2", "http/1.1"],
      // A handshake gets as long as HTTP/1.1 headers do, not Node's 120 s.
      handshakeTimeout: timeouts.headersTimeoutMs,
      noDelay: true,
      keepAlive: true,
    },
    onRequest,
  );
  // allowHTTP1 reads these from the server object; keepAliveTimeout is not
  // initialised there at all, which would keep idle connections forever.
  Object.assign(server, http1ServerOptions(timeouts));
  server.on("secureConnection", (socket: TLSSocket) => {
    if (socket.alpnProtocol !== "h2") tracker.addHttp1Socket(socket);
  });
  // Connections still in their TLS handshake are only ended by the grace deadline.
  return { outer: server, sessionServer: server, abandonUndecided() {} };
}

function http1ServerOptions(timeouts: Http1Timeouts) {
  return {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    // Node checks the two timeouts above only this often (30 s by default),
    // which would let a slow client hold a connection far past its deadline.
    connectionsCheckingInterval: Math.min(5_000, timeouts.headersTimeoutMs),
  };
}

async function shutDown(parts: ServerParts, tracker: ConnectionTracker, graceMs: number, logger: Logger | undefined) {
  if (!parts.outer.listening) return;
  const closed = new Promise<void>((resolve) => parts.outer.close(() => resolve()));
  parts.abandonUndecided();
  tracker.drain();
  const deadline = setTimeout(() => {
    logger?.warn({ graceMs }, "grace period over, destroying open connections");
    tracker.destroyAll();
  }, graceMs);
  await closed;
  clearTimeout(deadline);
  // Stops the inner server's timeout checks; it never listened, so the
  // "not running" error this reports is expected.
  parts.http1Server?.close(() => {});
  logger?.debug("transport closed");
}
