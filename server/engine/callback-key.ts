/**
 * The key that signs job and batch callbacks (Standard Webhooks, like target
 * calls). Configured with `SWITCHYARD_CALLBACK_SIGNING_KEY`; without it,
 * development keeps one in a file next to the database (mode 0600), created on
 * first start, so callbacks stay verifiable across restarts.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** A new `whsec_` key: 32 random bytes, base64. */
export function newWebhookKey(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The configured key, or the one kept beside `databasePath` (created when missing). */
export function resolveCallbackSigningKey(configured: string | undefined, databasePath: string): { key: string; file?: string } {
  if (configured) {
    if (!/^whsec_[A-Za-z0-9+/]+=*$/.test(configured)) throw new Error("SWITCHYARD_CALLBACK_SIGNING_KEY must look like whsec_<base64>");
    return { key: configured };
  }
  if (databasePath === ":memory:") return { key: newWebhookKey() };
  const file = `${databasePath}.callback-key`;
  if (existsSync(file)) return { key: readFileSync(file, "utf8").trim(), file };
  const key = newWebhookKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  return { key, file };
}
