/**
 * The principal: who a request acts for, as its verified token says. It is an
 * Actor (subject and resource owner, what commands and the store need) plus
 * the scopes the token grants.
 */
import type { Actor } from "../domain/events.js";

/** A verified caller. */
export interface Principal extends Actor {
  /** Scopes as the token lists them; `admin` grants every scope. */
  readonly scopes: ReadonlySet<string>;
  /** How the token was verified. */
  readonly tokenKind: "api_key" | "jwt";
}

/** Whether `principal` holds `scope`, directly or through `admin`. */
export function grants(principal: Principal, scope: string): boolean {
  return principal.scopes.has(scope) || principal.scopes.has("admin");
}
