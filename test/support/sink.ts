/**
 * A real local HTTP endpoint to use as a target: it records every request
 * (raw body and headers) and answers as the test tells it. Signatures are
 * checked with the independent `standardwebhooks` package, as a receiver would.
 */
import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One request the sink received. */
export interface SinkRequest {
  /** 1-based, in arrival order. */
  readonly number: number;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly receivedAt: number;
}

/** How to answer a request. */
export interface SinkAnswer {
  readonly status?: number;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as is (wins over `json`). */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Never answer (the connection stays open until the sink closes). */
  readonly hang?: boolean;
}

export type SinkResponder = (request: SinkRequest) => SinkAnswer | Promise<SinkAnswer>;

export interface Sink {
  /** `http://127.0.0.1:PORT/hook` */
  readonly url: string;
  readonly requests: SinkRequest[];
  /** Changes how later requests are answered. */
  answer(responder: SinkResponder): void;
  /** The body of `request` parsed after verifying its signature with `signingKey` (throws if it does not verify). */
  verified(request: SinkRequest, signingKey: string): unknown;
  /** Resolves once `count` requests have arrived (rejects after `timeoutMs`, default 10 s). */
  waitFor(count: number, timeoutMs?: number): Promise<SinkRequest[]>;
  close(): Promise<void>;
}

/** Starts a sink on 127.0.0.1, port 0; answers 200 `{}` until told otherwise. */
export async function startSink(responder: SinkResponder = () => ({ json: {} })): Promise<Sink> {
  let respond = responder;
  const requests: SinkRequest[] = [];
  const waiters = new Set<() => void>();
  const server: Server = createServer((incoming, response) => {
    void readBody(incoming).then(async (body) => {
      const request: SinkRequest = {
        number: requests.length + 1,
        path: incoming.url ?? "/",
        headers: Object.fromEntries(Object.entries(incoming.headers).map(([name, value]) => [name, String(value)])),
        body,
        receivedAt: Date.now(),
      };
      requests.push(request);
      for (const wake of [...waiters]) wake();
      const answer = await respond(request);
      if (answer.hang) return;
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      const text = answer.raw ?? (answer.json === undefined ? "" : JSON.stringify(answer.json));
      if (response.destroyed) return;
      response.writeHead(answer.status ?? 200, { "content-type": "application/json", ...answer.headers }).end(text);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    answer(next) {
      respond = next;
    },
    verified(request, signingKey) {
      return new Webhook(signingKey).verify(request.body, request.headers);
    },
    waitFor(count, timeoutMs = 10_000) {
      if (requests.length >= count) return Promise.resolve(requests.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`sink got ${requests.length} requests, expected ${count} within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(requests.slice());
        };
        waiters.add(check);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
