/**
 * The caller against real local HTTP servers, and the outbound guard on real
 * connections: denied addresses never see a connection at all. Both callers
 * run every case: the one in the calling thread and the one on a call thread
 * (call-threads.ts, the server's default).
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createThreadedHttpCaller } from "../../server/engine/call-threads.js";
import { type HttpCaller, createHttpCaller, parseRetryAfter } from "../../server/engine/http-caller.js";
import { createOutboundGuard, parseCidrList } from "../../server/engine/outbound-guard.js";

interface Sink {
  readonly url: string;
  readonly port: number;
  connections: number;
  readonly bodies: string[];
}

const servers: Server[] = [];
const callers: HttpCaller[] = [];

afterEach(async () => {
  await Promise.all(callers.splice(0).map((caller) => caller.close()));
  for (const server of servers.splice(0)) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function sink(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<Sink> {
  const state = { connections: 0, bodies: [] as string[] };
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      state.bodies.push(body);
      handler(request, response);
    });
  });
  server.on("connection", () => state.connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { url: `http://127.0.0.1:${port}/hook`, port });
}

const kinds = [
  ["in the calling thread", (allow: string[]) => createHttpCaller({ guard: createOutboundGuard({ allow }) })],
  ["on a call thread", (allow: string[]) => createThreadedHttpCaller({ threads: 1, allow })],
] as const;

describe.each(kinds)("http caller %s", (_kind, create) => {
  function caller(allow = ["127.0.0.0/8"]): HttpCaller {
    const created = create(allow);
    callers.push(created);
    return created;
  }

  const post = (url: string, timeoutMs = 2000) => ({ url, body: '{"a":1}', headers: { "content-type": "application/json" }, timeoutMs });

  describe("calls", () => {
    it("POSTs the body with the headers and reads a 2xx answer", async () => {
      const target = await sink((request, response) => response.writeHead(200, { "x-seen": String(request.method) }).end('{"ok":true}'));

      const result = await caller().call(post(target.url));

      expect(result).toMatchObject({ ok: true, status: 200, headers: { "x-seen": "POST" } });
      expect(Buffer.from(result.body!).toString()).toBe('{"ok":true}');
      expect(target.bodies).toEqual(['{"a":1}']);
    });

    it("fails non-2xx answers and never follows a redirect", async () => {
      const elsewhere = await sink((_request, response) => response.end("followed"));
      const failing = await sink((_request, response) => response.writeHead(500).end("boom"));
      const moving = await sink((_request, response) => response.writeHead(301, { location: elsewhere.url }).end());

      const failed = await caller().call(post(failing.url));
      const redirected = await caller().call(post(moving.url));

      expect(failed).toMatchObject({ ok: false, status: 500, error: { code: "http_status" } });
      expect(redirected).toMatchObject({ ok: false, status: 301, error: { code: "redirect" } });
      expect(elsewhere.bodies).toEqual([]);
    });

    it("gives up on a target that never answers within the timeout", async () => {
      const silent = await sink(() => undefined);

      const result = await caller().call(post(silent.url, 200));

      expect(result).toMatchObject({ ok: false, status: 0, error: { code: "timeout" } });
      expect(result.latencyMs).toBeGreaterThanOrEqual(190);
      expect(result.latencyMs).toBeLessThan(1500);
    });

    it("reads at most 1 MiB of a response and says it cut the rest", async () => {
      const chatty = await sink((_request, response) => response.end(Buffer.alloc(2 * 1024 * 1024, 97)));

      const result = await caller().call(post(chatty.url));

      expect(result.ok).toBe(true);
      expect(result.body?.byteLength).toBe(1024 * 1024);
      expect(result.truncated).toBe(true);
    });

    it("reports Retry-After in seconds or as an HTTP date", async () => {
      const busy = await sink((_request, response) => response.writeHead(429, { "retry-after": "7" }).end());

      const result = await caller().call(post(busy.url));

      expect(result).toMatchObject({ status: 429, retryAfterMs: 7000 });
      expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(10_000);
      expect(parseRetryAfter("soon")).toBeUndefined();
    });

    it("answers a URL it cannot call with a network error instead of throwing", async () => {
      const client = caller();

      await expect(client.call(post("not a url"))).resolves.toMatchObject({ ok: false, status: 0, error: { code: "network" } });
      await expect(client.call(post("ftp://127.0.0.1/hook"))).resolves.toMatchObject({ ok: false, error: { code: "network" } });
    });

    it("keeps connections alive across calls", async () => {
      const target = await sink((_request, response) => response.end("ok"));
      const client = caller();

      for (let i = 0; i < 10; i++) expect((await client.call(post(target.url))).ok).toBe(true);

      // undici releases a connection a tick after its response, so a pool of two may form; both are reused.
      expect(target.connections).toBeLessThanOrEqual(2);
    });
  });

  it("is guarded: refuses loopback by address and by a name that resolves to it, before any connection", async () => {
    const target = await sink((_request, response) => response.end("should not be reached"));
    const guarded = caller([]);

    const byAddress = await guarded.call(post(`http://127.0.0.1:${target.port}/hook`));
    const byName = await guarded.call(post(`http://localhost:${target.port}/hook`));
    const mapped = await guarded.call(post(`http://[::ffff:127.0.0.1]:${target.port}/hook`));

    expect(byAddress.error?.code).toBe("denied");
    expect(byName.error?.code).toBe("denied");
    expect(mapped.error?.code).toBe("denied");
    expect(target.connections).toBe(0);
  });
});

describe("http caller with every connection busy", () => {
  it("gives up on a call still waiting for a connection at its timeout, and never sends it", async () => {
    const held: ServerResponse[] = [];
    const target = await sink((_request, response) => held.push(response));
    const client = createHttpCaller({ guard: createOutboundGuard({ allow: ["127.0.0.0/8"] }), connectionsPerOrigin: 1 });
    callers.push(client);
    const post = (timeoutMs: number) => ({ url: target.url, body: "{}", headers: {}, timeoutMs });

    const first = client.call(post(5000));
    await expect.poll(() => held.length).toBe(1);
    const queued = await client.call(post(200));
    held[0]!.end("done");

    expect(queued).toMatchObject({ ok: false, status: 0, error: { code: "timeout" } });
    expect(queued.latencyMs).toBeLessThan(1000);
    expect(await first).toMatchObject({ ok: true, status: 200 });
    // The connection is free again: the next call goes through, and the given-up one was never sent.
    const next = client.call(post(2000));
    await expect.poll(() => held.length).toBe(2);
    held[1]!.end("next");
    expect((await next).ok).toBe(true);
    expect(target.bodies).toHaveLength(2);
  });
});

describe("outbound guard", () => {
  it("denies the private, link-local (cloud metadata), unique-local and multicast ranges by default", () => {
    const guard = createOutboundGuard();
    const denied = ["10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1"];
    const allowed = ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"];

    expect(denied.filter((address) => guard.check(address).allowed)).toEqual([]);
    expect(allowed.filter((address) => !guard.check(address).allowed)).toEqual([]);
  });

  it("lets an allow list admit a denied range, and reads the allow list form with clear errors", () => {
    const guard = createOutboundGuard({ allow: parseCidrList("127.0.0.0/8, ::1/128") });

    expect(guard.check("127.0.0.1").allowed).toBe(true);
    expect(guard.check("::1").allowed).toBe(true);
    expect(guard.check("10.0.0.1").allowed).toBe(false);
    expect(() => parseCidrList("127.0.0.0/33")).toThrow(/not a CIDR range: "127.0.0.0\/33"/);
    expect(() => parseCidrList("localhost")).toThrow(/not a CIDR range/);
  });
});
