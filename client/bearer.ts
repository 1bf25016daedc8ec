/**
 * The interceptor that authenticates every call of a Switchyard client.
 */
import type { Interceptor } from "@connectrpc/connect";

/**
 * A token, or a function that answers the current one (read before every
 * call, so a page can swap tokens without a new client). No token, no header.
 */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** An interceptor that sets `Authorization: Bearer <token>` on every call (unary and streaming). */
export function bearerInterceptor(token: TokenSource): Interceptor {
  return (next) => async (request) => {
    const current = typeof token === "function" ? await token() : token;
    if (current) request.header.set("authorization", `Bearer ${current}`);
    return next(request);
  };
}
