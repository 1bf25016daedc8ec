/**
 * The outbound guard on its own: its `lookup` as `net.connect` uses it (both
 * the single-address and the all-addresses form), the mapped IPv6 forms of
 * denied IPv4 ranges, and how allow and deny lists combine.
 */
import { type LookupAddress } from "node:dns";
import { type AddressInfo, type Server, connect, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createOutboundGuard, parseCidrList } from "../../server/engine/outbound-guard.js";

type Lookup = (hostname: string, options: object, callback: (...args: unknown[]) => void) => void;

/** What the guard's lookup answers for `hostname`: an error, or what `dns.lookup` would have passed on. */
function lookUp(lookup: unknown, hostname: string, options: object = {}) {
  return new Promise<{ error?: NodeJS.ErrnoException; address?: string | LookupAddress[]; family?: number }>((resolve) => {
    (lookup as Lookup)(hostname, options, (error, address, family) =>
      resolve(error ? { error: error as NodeJS.ErrnoException } : { address: address as string, family: family as number }),
    );
  });
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function countingServer(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** Connects to `localhost:port` through `lookup`; resolves with the error, or undefined once connected. */
function connectThrough(lookup: unknown, port: number, autoSelectFamily: boolean) {
  return new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const socket = connect({ host: "localhost", port, family: 4, autoSelectFamily, lookup: lookup as never });
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once("error", (error) => resolve(error));
  });
}

describe("outbound guard lookup", () => {
  it("refuses a name that resolves to a denied address, naming the host and the address", async () => {
    const { error } = await lookUp(createOutboundGuard().lookup, "localhost", { family: 4 });

    expect(error?.code).toBe("ESWITCHYARD_DENIED");
    expect(error?.message).toContain("localhost");
    expect(error?.message).toContain("127.0.0.1");
  });

  it("passes allowed addresses on in the form the caller asked for", async () => {
    const { lookup } = createOutboundGuard({ allow: ["127.0.0.0/8"] });

    expect(await lookUp(lookup, "localhost", { family: 4 })).toEqual({ address: "127.0.0.1", family: 4 });
    expect(await lookUp(lookup, "localhost", { family: 4, all: true })).toMatchObject({
      address: [{ address: "127.0.0.1", family: 4 }],
    });
  });

  it("passes resolution failures through unchanged", async () => {
    const { error } = await lookUp(createOutboundGuard().lookup, "no-such-host.invalid");

    expect(error?.code).toBe("ENOTFOUND");
  });

  it.each([true, false])("is what net.connect resolves through (autoSelectFamily %s)", async (autoSelectFamily) => {
    const target = await countingServer();

    const refused = await connectThrough(createOutboundGuard().lookup, target.port, autoSelectFamily);
    const admitted = await connectThrough(createOutboundGuard({ allow: ["127.0.0.0/8"] }).lookup, target.port, autoSelectFamily);

    expect(refused?.code).toBe("ESWITCHYARD_DENIED");
    expect(admitted).toBeUndefined();
    await expect.poll(target.connections).toBe(1);
  });
});

describe("outbound guard check", () => {
  it("judges IPv4-mapped IPv6 addresses, dotted or hex, like the IPv4 address inside", () => {
    const guard = createOutboundGuard();

    for (const address of ["::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "::ffff:192.168.0.1"]) {
      expect(guard.check(address), address).toMatchObject({ allowed: false });
    }
    expect(guard.check("::ffff:8.8.8.8").allowed).toBe(true);
    expect(createOutboundGuard({ allow: ["127.0.0.0/8"] }).check("::ffff:7f00:1").allowed).toBe(true);
  });

  it("lets the allow list win over a custom deny list, which replaces the default one", () => {
    const guard = createOutboundGuard({ allow: ["203.0.113.7/32"], deny: ["203.0.113.0/24"] });

    expect(guard.check("203.0.113.7").allowed).toBe(true);
    expect(guard.check("203.0.113.8")).toMatchObject({ allowed: false, reason: expect.stringContaining("203.0.113.8") });
    expect(guard.check("127.0.0.1").allowed).toBe(true);
  });
});

describe("parseCidrList", () => {
  it("reads the SWITCHYARD_TARGET_ALLOW form, tolerating blanks and a missing prefix", () => {
    expect(parseCidrList(" 127.0.0.0/8 ,::1/128,, 10.0.0.1 ")).toEqual(["127.0.0.0/8", "::1/128", "10.0.0.1"]);
    expect(parseCidrList("")).toEqual([]);
  });

  it.each(["::1/129", "10.0.0.0/-1", "10.0.0.0/8/1", "10.0.0/8", "10.0.0.0/x", "example.com/32"])("refuses %s, naming it", (entry) => {
    expect(() => parseCidrList(`127.0.0.0/8,${entry}`)).toThrow(`not a CIDR range: ${JSON.stringify(entry)}`);
  });
});
