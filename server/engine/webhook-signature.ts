/**
 * Standard Webhooks signatures: `webhook-signature` is a space-separated list
 * of `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one entry per valid
 * key — two while a rotated-out key is still in its overlap, so receivers
 * that know either key accept the call.
 */
import { createHmac } from "node:crypto";
import type { Target } from "../domain/target.js";

const keyPrefix = "whsec_";

/** What a signature covers. */
export interface SignedContent {
  /** `webhook-id`: stable across retries of one delivery. */
  readonly id: string;
  /** `webhook-timestamp`: unix seconds of this attempt. */
  readonly timestamp: number;
  readonly body: string | Uint8Array;
}

/** The `webhook-signature` header value for `content` under each of `keys` (`whsec_<base64>`). */
export function signWebhook(content: SignedContent, keys: readonly string[]): string {
  return keys
    .map((key) => {
      const secret = Buffer.from(key.startsWith(keyPrefix) ? key.slice(keyPrefix.length) : key, "base64");
      const mac = createHmac("sha256", secret)
        .update(`${content.id}.${content.timestamp}.`)
        .update(content.body)
        .digest("base64");
      return `v1,${mac}`;
    })
    .join(" ");
}

/**
 * What a call is signed with, for the caller to add the Standard Webhooks
 * headers itself (on its call thread, when it has one): `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` over the body it sends.
 */
export interface WebhookSigning {
  readonly id: string;
  /** Unix seconds of this attempt. */
  readonly timestamp: number;
  /** `whsec_<base64>` keys; one signature each. */
  readonly keys: readonly string[];
}

/** Adds the Standard Webhooks headers of `signing` over `body` to `headers`. */
export function addWebhookHeaders(headers: Record<string, string>, signing: WebhookSigning, body: string | Uint8Array): void {
  headers["webhook-id"] = signing.id;
  headers["webhook-timestamp"] = String(signing.timestamp);
  headers["webhook-signature"] = signWebhook({ id: signing.id, timestamp: signing.timestamp, body }, signing.keys);
}

/** The keys a call to `target` is signed with at `now`: the current one, and the previous one during its overlap. */
export function signingKeysOf(target: Pick<Target, "signingKey" | "previousSigningKey" | "previousSigningKeyExpiresAt">, now: Date): string[] {
  const overlapping =
    target.previousSigningKey !== undefined &&
    target.previousSigningKeyExpiresAt !== undefined &&
    target.previousSigningKeyExpiresAt.getTime() > now.getTime();
  return overlapping ? [target.signingKey, target.previousSigningKey!] : [target.signingKey];
}
