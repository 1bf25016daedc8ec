/**
 * SSRF protection for calls to targets. The check is made on the address a
 * connection is about to use, at connect time — after DNS resolution — so a
 * name that resolves to a denied address is refused whatever it looks like,
 * and re-resolving cannot sneak a private address past an earlier check (no
 * DNS rebinding). IP literals never go through a lookup, so the connector
 * checks them itself (see `guardedConnector`).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { buildConnector } from "undici";

/** Ranges no target may reach unless the allow list names them. */
export const defaultDeniedRanges: readonly string[] = [
  "0.0.0.0/8", // unspecified / "this network"
  "10.0.0.0/8",
  "100.64.0.0/10", // carrier-grade NAT
  "127.0.0.0/8",
  "169.254.0.0/16", // link-local, incl. cloud metadata 169.254.169.254
  "172.16.0.0/12",
  "192.168.0.0/16",
  "224.0.0.0/4", // multicast
  "240.0.0.0/4", // reserved, incl. broadcast
  "::/128",
  "::1/128",
  "fc00::/7", // unique-local
  "fe80::/10", // link-local
  "ff00::/8", // multicast
];

export interface OutboundGuard {
  /** Whether `address` may be connected to. */
  check(address: string): { allowed: true } | { allowed: false; reason: string };
  /** A `dns.lookup`-compatible function that fails with `ESWITCHYARD_DENIED` for a denied address. */
  readonly lookup: typeof dnsLookup;
}

/** Parses `"127.0.0.0/8, ::1/128"` (the SWITCHYARD_TARGET_ALLOW form); throws naming a bad entry. */
export function parseCidrList(text: string): string[] {
  const entries = text.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  for (const entry of entries) toSubnet(entry);
  return entries;
}

function toSubnet(cidr: string): { network: string; prefix: number; family: "ipv4" | "ipv6" } {
  const [network = "", prefixText, extra] = cidr.split("/");
  const version = isIP(network);
  const prefix = Number(prefixText ?? (version === 6 ? 128 : 32));
  const max = version === 6 ? 128 : 32;
  if (version === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new Error(`not a CIDR range: ${JSON.stringify(cidr)} (expected e.g. 127.0.0.0/8 or ::1/128)`);
  }
  return { network, prefix, family: version === 6 ? "ipv6" : "ipv4" };
}

function blockListOf(ranges: readonly string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const { network, prefix, family } = toSubnet(range);
    list.addSubnet(network, prefix, family);
  }
  return list;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`), so mapped forms are judged like IPv4. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match ? match[1]! : address;
}

/** Creates a guard: `allow` (CIDRs) wins over `deny` (default: {@link defaultDeniedRanges}). */
export function createOutboundGuard(options: { allow?: readonly string[]; deny?: readonly string[] } = {}): OutboundGuard {
  const allow = blockListOf(options.allow ?? []);
  const deny = blockListOf(options.deny ?? defaultDeniedRanges);
  const check: OutboundGuard["check"] = (raw) => {
    const address = unmapped(raw);
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (allow.check(address, family)) return { allowed: true };
    if (deny.check(address, family)) return { allowed: false, reason: `${raw} is in a denied range` };
    return { allowed: true };
  };
  const lookup = ((hostname: string, lookupOptions: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      const denied = addresses.map((entry) => check(entry.address)).find((verdict) => !verdict.allowed);
      if (denied && !denied.allowed) return callback(deniedError(hostname, denied.reason));
      if ((lookupOptions as { all?: boolean }).all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as unknown as typeof dnsLookup;
  return { check, lookup };
}

/** The error a refused connection fails with. */
export function deniedError(host: string, reason: string): Error {
  return Object.assign(new Error(`refused to connect to ${host}: ${reason}`), { code: "ESWITCHYARD_DENIED" });
}

/** An undici connector that resolves through the guard and checks IP literals, which skip any lookup. */
export function guardedConnector(guard: OutboundGuard, options: { timeoutMs?: number } = {}): buildConnector.connector {
  const connect = buildConnector({ lookup: guard.lookup, timeout: options.timeoutMs ?? 10_000 });
  return (connectOptions, callback) => {
    const host = connectOptions.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host)) {
      const verdict = guard.check(host);
      if (!verdict.allowed) return callback(deniedError(host, verdict.reason), null);
    }
    return connect(connectOptions, callback);
  };
}
