/**
 * What only the threaded caller does (call-threads.ts), against real local
 * HTTP servers: aborts cross to the thread, a thread that dies fails its calls
 * in flight and is replaced, a thread that cannot start says why, and a
 * closed caller refuses calls. What both callers do is in http-caller.test.ts.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type ThreadedHttpCaller, createThreadedHttpCaller } from "../../server/engine/call-threads.js";
import type { CallRequest, CallResult } from "../../server/engine/http-caller.js";

const servers: Server[] = [];
const callers: ThreadedHttpCaller[] = [];

afterEach(async () => {
  await Promise.all(callers.splice(0).map((caller) => caller.close()));
  for (const server of servers.splice(0)) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A local server; `arrived` resolves with each request as it comes in. */
async function sink(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const arrivals: IncomingMessage[] = [];
  let wake = () => {};
  const server = createServer((request, response) => {
    arrivals.push(request);
    wake();
    handler(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    async arrived(count: number): Promise<void> {
      while (arrivals.length < count) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

function threaded(options: { threads?: number; allow?: string[]; onResult?: (request: CallRequest, result: CallResult) => void } = {}) {
  const caller = createThreadedHttpCaller({ threads: options.threads ?? 1, allow: options.allow ?? ["127.0.0.0/8"], ...options });
  callers.push(caller);
  return caller;
}

const post = (url: string, extra: Partial<CallRequest> = {}): CallRequest => ({ url, body: '{"a":1}', headers: {}, timeoutMs: 5000, ...extra });

describe("threaded http caller", () => {
  it("aborts a call in flight on its thread when the caller's signal aborts", async () => {
    const slow = await sink(() => undefined);
    const caller = threaded();
    const controller = new AbortController();

    const call = caller.call(post(slow.url, { signal: controller.signal }));
    await slow.arrived(1);
    const closed = new Promise((resolve) => slow.arrivals[0]!.socket.once("close", resolve));
    controller.abort();
    const result = await call;

    expect(result).toMatchObject({ ok: false, status: 0, error: { code: "aborted" } });
    expect(result.latencyMs).toBeLessThan(4000);
    await closed;
  });

  it("does not call the target for a signal aborted before the call", async () => {
    const target = await sink((_request, response) => response.end("ok"));
    const caller = threaded();

    const result = await caller.call(post(target.url, { signal: AbortSignal.abort() }));

    expect(result.error?.code).toBe("aborted");
    expect(target.arrivals).toHaveLength(0);
  });

  it("fails the calls of a thread that died as network errors, tells onResult, and replaces the thread", async () => {
    const slow = await sink(() => undefined);
    const fast = await sink((_request, response) => response.end('{"ok":true}'));
    const seen: CallResult[] = [];
    const caller = threaded({ onResult: (_request, result) => seen.push(result) });
    await caller.ready();
    const [first] = caller.workers();

    const calls = [caller.call(post(slow.url)), caller.call(post(slow.url))];
    await slow.arrived(2);
    await first!.terminate();
    const results = await Promise.all(calls);
    await caller.ready();
    const after = await caller.call(post(fast.url));

    for (const result of results) {
      expect(result).toMatchObject({ ok: false, status: 0, error: { code: "network", message: expect.stringMatching(/call thread exited/) } });
    }
    expect(seen.slice(0, 2)).toEqual(results);
    expect(caller.workers()[0]).not.toBe(first);
    expect(after).toMatchObject({ ok: true, status: 200 });
    expect(Buffer.isBuffer(after.body)).toBe(true);
    expect(after.body!.toString()).toBe('{"ok":true}');
  });

  it("spreads calls over its threads", async () => {
    const held: ServerResponse[] = [];
    const target = await sink((_request, response) => held.push(response));
    const caller = threaded({ threads: 2 });

    const calls = Array.from({ length: 4 }, () => caller.call(post(target.url)));
    await target.arrived(4);
    const ports = new Set(target.arrivals.map((request) => request.socket.remotePort));
    for (const response of held) response.end();
    const results = await Promise.all(calls);

    expect(results.every((result) => result.ok)).toBe(true);
    // Each thread has its own connection pool: two threads, at least two connections.
    expect(ports.size).toBeGreaterThanOrEqual(2);
    expect(caller.workers()).toHaveLength(2);
  });

  it("says why when a thread cannot start, and fails calls instead of hanging", async () => {
    const caller = threaded({ allow: ["not-a-range"] });

    await expect(caller.ready()).rejects.toThrow(/a call thread could not start: .*not a CIDR range: "not-a-range"/);
    const result = await caller.call(post("http://127.0.0.1:9/hook"));

    expect(result).toMatchObject({ ok: false, error: { code: "network", message: expect.stringMatching(/could not start/) } });
  });

  it("refuses calls once closed", async () => {
    const caller = threaded();
    await caller.ready();

    await caller.close();
    const result = await caller.call(post("http://127.0.0.1:9/hook"));

    expect(result).toMatchObject({ ok: false, error: { code: "network", message: "the caller is closed" } });
  });
});
