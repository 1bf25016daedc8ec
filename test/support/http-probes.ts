/**
 * Low-level probes for transport tests: raw TCP connections, HTTP/1.1 requests
 * on a chosen agent (to see which connection served them), and a gate that
 * holds handlers in flight until a test releases them.
 */
import * as http from "node:http";
import * as net from "node:net";

/** Opens a TCP connection to 127.0.0.1:`port`; rejects with the socket error (e.g. ECONNREFUSED). */
export function connectSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** What {@link postWithAgent} saw: status, parsed JSON body, and the client port of the connection used. */
export interface AgentResponse {
  status: number;
  body: Record<string, unknown>;
  localPort: number | undefined;
}

/** POSTs `body` as JSON to `path` (default Health/Check) over HTTP/1.1 using `agent`. */
export function postWithAgent(agent: http.Agent, port: number, body: unknown, path = "/grpc.health.v1.Health/Check"): Promise<AgentResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { agent, port, host: "127.0.0.1", method: "POST", path, headers: { "content-type": "application/json" } },
      (response) => {
        // Read now: a keep-alive agent takes the socket back once the body ends.
        const localPort = response.socket.localPort;
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")), localPort }),
        );
      },
    );
    request.once("error", reject);
    request.end(JSON.stringify(body));
  });
}

/** Holds handlers: each calls `entered()` then awaits `released`; the test awaits `waitForEntered(n)`. */
export interface Gate {
  readonly released: Promise<void>;
  release(): void;
  entered(): void;
  waitForEntered(expected: number): Promise<void>;
}

/** Creates a closed {@link Gate}. */
export function createGate(): Gate {
  let count = 0;
  let onEntered = () => {};
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    released,
    release,
    entered() {
      count += 1;
      onEntered();
    },
    waitForEntered(expected) {
      return new Promise<void>((resolve) => {
        onEntered = () => count >= expected && resolve();
        onEntered();
      });
    },
  };
}
