import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerHttp2Session } from "node:http2";
import type { Socket } from "node:net";

/**
 * Knows every open connection of a server and what is in flight on it, so a
 * shutdown can first drain (finish what runs, refuse what is new) and then
 * destroy whatever is still open.
 */
export interface ConnectionTracker {
  /** A raw TCP connection, destroyed by `destroyAll()` if still open. */
  addSocket(socket: Socket): void;
  /** A connection that speaks HTTP/1.x (for TLS, the TLS socket). */
  addHttp1Socket(socket: Socket): void;
  /** An HTTP/1.x request/response pair; its connection is kept until the response closes. */
  addExchange(request: IncomingMessage, response: ServerResponse): void;
  /** An HTTP/2 session, sent GOAWAY by `drain()`. */
  addSession(session: ServerHttp2Session): void;
  /**
   * Starts a graceful shutdown: HTTP/2 sessions get GOAWAY and close once
   * their streams end; idle HTTP/1.x connections close now, busy ones after
   * their last response. Connections added later are drained at once.
   */
  drain(): void;
  /** Destroys every connection and session that is still open. */
  destroyAll(): void;
}

/** Creates an empty {@link ConnectionTracker}. */
export function createConnectionTracker(): ConnectionTracker {
  const sockets = new Set<Socket>();
  const sessions = new Set<ServerHttp2Session>();
  // Open responses per HTTP/1.x connection; more than one when pipelined.
  const http1Sockets = new Map<Socket, Set<ServerResponse>>();
  let draining = false;

  const drainHttp1Socket = (socket: Socket, responses: Set<ServerResponse>) => {
    if (responses.size === 0) {
      socket.destroy();
      return;
    }
    // Responses that have not started yet announce the close themselves and
    // Node ends the connection after them; streams already under way keep
    // their keep-alive header, so their connection is ended when they close.
    for (const response of responses) {
      if (!response.headersSent) response.setHeader("connection", "close");
    }
  };

  const http1ResponsesOf = (socket: Socket) => {
    let responses = http1Sockets.get(socket);
    if (responses === undefined) {
      responses = new Set();
      http1Sockets.set(socket, responses);
      socket.once("close", () => http1Sockets.delete(socket));
    }
    return responses;
  };

  return {
    addSocket(socket) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
    },
    addHttp1Socket(socket) {
      const responses = http1ResponsesOf(socket);
      if (draining) drainHttp1Socket(socket, responses);
    },
    addExchange(request, response) {
      const socket = request.socket;
      const responses = http1ResponsesOf(socket);
      responses.add(response);
      if (draining && !response.headersSent) response.setHeader("connection", "close");
      response.once("close", () => {
        responses.delete(response);
        if (draining && responses.size === 0 && !socket.destroyed) socket.end();
      });
    },
    addSession(session) {
      sessions.add(session);
      session.once("close", () => sessions.delete(session));
      if (draining) session.close();
    },
    drain() {
      draining = true;
      for (const session of sessions) session.close();
      for (const [socket, responses] of http1Sockets) drainHttp1Socket(socket, responses);
    },
    destroyAll() {
      for (const session of sessions) session.destroy();
      for (const socket of http1Sockets.keys()) socket.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}
