/**
 * The delivery benchmark's webhook receiver, run as a child process (forked
 * with an IPC channel) so its event loop is shared with neither the load
 * generator nor the server: a receipt is timestamped when its request
 * arrives, not when a busy runner gets round to it.
 *
 * Answers every POST with 204 once its body is read. Each body is a delivery
 * envelope (`{createdAt, payload: {n, sentAt}}`); the sink records `n`, the
 * send time, the event's creation time and its own receive time, all on the
 * wall clock `performance.timeOrigin + performance.now()` (µs resolution).
 *
 * IPC: it sends `{port}` once listening; answers `{type: "clock"}` with its
 * time, `{type: "reset"}` by forgetting what it received, `{type: "count"}`
 * with the distinct `n` received, and `{type: "report"}` with every receipt
 * and one request as it arrived (headers and body). After `{type: "hold"}` it
 * records requests but answers none until `{type: "release"}`, which answers
 * them all and replies with its time.
 */
import { type ServerResponse, createServer } from "node:http";
import type { SinkMessage, SinkReceipts, SinkReply } from "./sink-client.js";

const clock = () => performance.timeOrigin + performance.now();

let receipts = emptyReceipts();
let distinct = new Set<number>();
let sample: SinkReceipts["sample"];
/** While holding, answers wait here (to let a backlog build up in the server's outbox). */
let held: ServerResponse[] | undefined;

function emptyReceipts(): SinkReceipts {
  return { n: [], sentAt: [], createdAt: [], receivedAt: [], sample: undefined };
}

const server = createServer((request, response) => {
  const receivedAt = clock();
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const envelope = JSON.parse(body) as { createdAt?: string; payload?: { n?: number; sentAt?: number } };
    const n = envelope.payload?.n ?? -1;
    receipts.n.push(n);
    receipts.sentAt.push(envelope.payload?.sentAt ?? Number.NaN);
    receipts.createdAt.push(envelope.createdAt ? Date.parse(envelope.createdAt) : Number.NaN);
    receipts.receivedAt.push(receivedAt);
    distinct.add(n);
    sample ??= { headers: flat(request.headers), body };
    if (held) held.push(response);
    else response.writeHead(204).end();
  });
});
// Longer than the pauses between phases, so the dispatcher's pool keeps its connections.
server.keepAliveTimeout = 60_000;

function flat(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (typeof value === "string") result[name] = value;
  return result;
}

const reply = (message: SinkReply) => process.send!(message);

process.on("message", (message: SinkMessage) => {
  switch (message.type) {
    case "clock":
      return reply({ type: "clock", at: clock() });
    case "reset":
      receipts = emptyReceipts();
      distinct = new Set();
      sample = undefined;
      return reply({ type: "reset" });
    case "count":
      return reply({ type: "count", distinct: distinct.size, total: receipts.n.length });
    case "hold":
      held ??= [];
      return reply({ type: "hold" });
    case "release": {
      const at = clock();
      for (const response of held ?? []) response.writeHead(204).end();
      held = undefined;
      return reply({ type: "release", at });
    }
    case "report":
      return reply({ type: "report", receipts: { ...receipts, sample } });
  }
});
process.on("disconnect", () => process.exit(0));

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  reply({ type: "listening", port: typeof address === "object" && address ? address.port : 0 });
});
