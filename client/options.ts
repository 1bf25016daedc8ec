/**
 * Options of `createSwitchyardClient`, shared by the browser and Node entry points.
 */
import type { Interceptor } from "@connectrpc/connect";
import type { TokenSource } from "./bearer.js";
import type { Protocol } from "./services.js";

/** How to reach a Switchyard server. */
export interface SwitchyardClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  readonly baseUrl: string;
  /** API key or JWT sent as `Authorization: Bearer <token>`; omitted: no header (health and reflection only). */
  readonly token?: TokenSource;
  /** Wire protocol; default `"connect"`. `"grpc"` needs HTTP/2 and so the Node entry point (`client/node.ts`). */
  readonly protocol?: Protocol;
  /** fetch to use for `"connect"` and `"grpc-web"` (default: the global one), e.g. to set `credentials`. */
  readonly fetch?: typeof globalThis.fetch;
  /** Connect protocol only: binary protobuf instead of JSON (default false: JSON, readable in devtools). */
  readonly useBinaryFormat?: boolean;
  /** More interceptors, run after the one that adds the token. */
  readonly interceptors?: readonly Interceptor[];
  /** Default timeout of every call in milliseconds (none by default; streams are exempt when unset). */
  readonly defaultTimeoutMs?: number;
}
