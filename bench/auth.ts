/**
 * The token every benchmark request carries: the benchmark server runs in
 * development mode, where the documented development key is `admin` for owner
 * `default`. Authentication is part of what is measured.
 */
import { devApiKey } from "../server/auth/api-key-tokens.js";

/** `Authorization` header value for benchmark requests. */
export const benchAuthorization = `Bearer ${devApiKey}`;

/** Connect JSON request headers with the token. */
export const benchJsonHeaders: Readonly<Record<string, string>> = {
  "content-type": "application/json",
  authorization: benchAuthorization,
};
