/** Signatures checked by the independent `standardwebhooks` package, as a receiver would. */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateSigningKey } from "../../server/commands/target-commands.js";
import { signWebhook, signingKeysOf, addWebhookHeaders } from "../../server/engine/webhook-signature.js";

const now = new Date("2026-11-23T10:00:00Z");
const content = { id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", timestamp: Math.floor(now.getTime() / 1000), body: '{"type":"order.placed"}' };
// standardwebhooks checks the timestamp against the real clock; sign for now.
const fresh = () => ({ ...content, timestamp: Math.floor(Date.now() / 1000) });
const json = { "content-type": "application/json" };

describe("webhook signatures", () => {
  it("verify with the standardwebhooks library", () => {
    const key = generateSigningKey();
    const signed = fresh();
    const headers: Record<string, string> = { ...json };
    addWebhookHeaders(headers, { id: signed.id, timestamp: signed.timestamp, keys: [key] }, signed.body);

    expect(headers["content-type"]).toBe("application/json");
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(key).verify(signed.body, headers)).toEqual({ type: "order.placed" });
  });

  it("carry one entry per key during a rotation, each verifiable alone, and fail for any other key", () => {
    const [current, previous, stranger] = [generateSigningKey(), generateSigningKey(), generateSigningKey()];
    const signed = fresh();
    const headers: Record<string, string> = { ...json };
    addWebhookHeaders(headers, { id: signed.id, timestamp: signed.timestamp, keys: [current, previous] }, signed.body);

    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(current).verify(signed.body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(signed.body, headers)).toBeTruthy();
    expect(() => new Webhook(stranger).verify(signed.body, headers)).toThrow();
    expect(() => new Webhook(current).verify(`${signed.body} `, headers)).toThrow();
  });

  it("are deterministic for the same id, timestamp and body, and differ when any of them changes", () => {
    const key = generateSigningKey();
    const base = signWebhook(content, [key]);

    expect(signWebhook(content, [key])).toBe(base);
    expect(signWebhook({ ...content, id: "msg_other" }, [key])).not.toBe(base);
    expect(signWebhook({ ...content, timestamp: content.timestamp + 1 }, [key])).not.toBe(base);
    expect(signWebhook({ ...content, body: new TextEncoder().encode(content.body) }, [key])).toBe(base);
  });

  it("use the previous key only while its overlap lasts", () => {
    const target = { signingKey: "whsec_new", previousSigningKey: "whsec_old", previousSigningKeyExpiresAt: new Date(now.getTime() + 1000) };

    expect(signingKeysOf(target, now)).toEqual(["whsec_new", "whsec_old"]);
    expect(signingKeysOf(target, new Date(now.getTime() + 1000))).toEqual(["whsec_new"]);
    expect(signingKeysOf({ signingKey: "whsec_new" }, now)).toEqual(["whsec_new"]);
  });
});
