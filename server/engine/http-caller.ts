/**
 * Calls to targets: an HTTP POST over a keep-alive undici pool whose
 * connections go through the outbound guard. Redirects are never followed
 * (a 3xx is a failure), only 2xx is success, the timeout covers the whole
 * call (the wait for a free connection too), and response bodies are read up
 * to a limit. A call carrying `signing` is signed here (Standard Webhooks).
 * Never throws: every outcome is a {@link CallResult}.
 */
import { Agent, type Dispatcher } from "undici";
import { type OutboundGuard, guardedConnector } from "./outbound-guard.js";
import { type WebhookSigning, addWebhookHeaders } from "./webhook-signature.js";

export type CallErrorCode = "timeout" | "denied" | "network" | "redirect" | "http_status" | "aborted";

/** The outcome of one call. */
export interface CallResult {
  readonly ok: boolean;
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  readonly latencyMs: number;
  /** The body, up to the limit. */
  readonly body?: Uint8Array;
  /** The body was longer than the limit and was cut. */
  readonly truncated?: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly error?: { readonly code: CallErrorCode; readonly message: string };
  /** From `Retry-After` (seconds or an HTTP date), when the target sent one. */
  readonly retryAfterMs?: number;
}

export interface CallRequest {
  readonly url: string;
  readonly body: string | Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Aborts the call (e.g. a cancelled job). */
  readonly signal?: AbortSignal;
  /** The target called, for metrics (never the URL); absent for job and batch callbacks. */
  readonly targetId?: string;
  /**
   * Signs the call: the caller adds `webhook-id`, `webhook-timestamp` and
   * `webhook-signature` over `body` to `headers` — on the call thread when
   * there is one, so the HMACs leave the event loop.
   */
  readonly signing?: WebhookSigning;
}

export interface HttpCaller {
  call(request: CallRequest): Promise<CallResult>;
  close(): Promise<void>;
}

/** Creates a caller; `bodyLimitBytes` defaults to 1 MiB. */
export function createHttpCaller(options: {
  guard: OutboundGuard;
  bodyLimitBytes?: number;
  /** Most open connections to one origin (default 64); further calls queue. */
  connectionsPerOrigin?: number;
  userAgent?: string;
  /** Sees every call's outcome (for metrics); must not throw. */
  onResult?: (request: CallRequest, result: CallResult) => void;
}): HttpCaller {
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  const agent = new Agent({
    connect: guardedConnector(options.guard),
    keepAliveTimeout: 30_000,
    connections: options.connectionsPerOrigin ?? 64,
  });
  const userAgent = options.userAgent ?? "switchyard";
  const { onResult } = options;

  async function call(call: CallRequest): Promise<CallResult> {
    const result = await attempt(call);
    onResult?.(call, result);
    return result;
  }

  /**
   * One call through `agent.dispatch` and a handler: undici's `request()`
   * wraps the answer in a stream read through an async iterator, which cost
   * about twice the CPU per call (bench/README.md). The promise settles once:
   * with the answer, or at the timeout or the caller's abort, whichever comes
   * first; a request still waiting for a connection is then dropped before
   * anything of it is sent.
   */
  function attempt(call: CallRequest): Promise<CallResult> {
    const started = performance.now();
    const elapsed = () => msSince(started);
    let destination: Destination;
    try {
      destination = destinationOf(call.url);
    } catch (error) {
      return Promise.resolve(failedCall(elapsed(), { code: "network", message: error instanceof Error ? error.message : String(error) }));
    }
    return new Promise<CallResult>((resolve) => {
      let controller: Dispatcher.DispatchController | undefined;
      /** Why the call was aborted before undici handed over its controller. */
      let abortedEarly: Error | undefined;
      let settled = false;
      let status = 0;
      let headers: Record<string, string> = {};
      const chunks: Buffer[] = [];
      let size = 0;

      const settle = (result: CallResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        call.signal?.removeEventListener("abort", callerAborted);
        resolve(result);
      };
      const abort = (reason: Error) => {
        if (controller) controller.abort(reason);
        else abortedEarly ??= reason;
      };
      const answer = (truncated: boolean): CallResult => {
        const ok = status >= 200 && status < 300;
        const retryAfterMs = parseRetryAfter(headers["retry-after"]);
        return {
          ok,
          status,
          latencyMs: elapsed(),
          body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          ...(truncated ? { truncated } : {}),
          headers,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          ...(ok ? {} : { error: statusError(status) }),
        };
      };

      // Settled before the abort: whatever undici reports of the aborted request afterwards is ignored.
      const timer = setTimeout(() => {
        settle(failedCall(elapsed(), { code: "timeout", message: "the target did not answer in time" }));
        abort(new Error("the target did not answer in time"));
      }, call.timeoutMs);
      const callerAborted = () => {
        settle(failedCall(elapsed(), { code: "aborted", message: "the call was aborted" }));
        abort(new Error("the call was aborted"));
      };
      if (call.signal?.aborted) return callerAborted();
      call.signal?.addEventListener("abort", callerAborted, { once: true });

      const requestHeaders: Record<string, string> = { "user-agent": userAgent, ...call.headers };
      if (call.signing) addWebhookHeaders(requestHeaders, call.signing, call.body);

      agent.dispatch(
        {
          origin: destination.origin,
          path: destination.path,
          method: "POST",
          body: call.body,
          headers: requestHeaders,
        },
        {
          onRequestStart(given) {
            controller = given;
            if (abortedEarly) given.abort(abortedEarly);
          },
          onResponseStart(_controller, statusCode, responseHeaders) {
            status = statusCode;
            headers = flatHeaders(responseHeaders);
          },
          onResponseData(current, chunk) {
            if (settled) return;
            if (size + chunk.byteLength > bodyLimit) {
              chunks.push(chunk.subarray(0, bodyLimit - size));
              settle(answer(true));
              current.abort(new Error("the response is longer than the limit"));
              return;
            }
            chunks.push(chunk);
            size += chunk.byteLength;
          },
          onResponseEnd() {
            settle(answer(false));
          },
          onResponseError(_controller, error) {
            settle(failedCall(elapsed(), classify(error)));
          },
        },
      );
    });
  }

  return { call, close: () => agent.close() };
}

/** Where a call goes, as undici's dispatch takes it. */
interface Destination {
  readonly origin: string;
  readonly path: string;
}

/** Target URLs are few and called again and again: each is parsed once. */
const destinations = new Map<string, Destination>();

function destinationOf(url: string): Destination {
  let destination = destinations.get(url);
  if (!destination) {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`cannot call a ${parsed.protocol} URL`);
    destination = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (destinations.size >= 1024) destinations.clear();
    destinations.set(url, destination);
  }
  return destination;
}

/** A call that got no answer. */
export function failedCall(latencyMs: number, error: NonNullable<CallResult["error"]>): CallResult {
  return { ok: false, status: 0, latencyMs, headers: {}, error };
}

/** Milliseconds since `started` (a `performance.now()`), to the µs: a call's `latencyMs`. */
export function msSince(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  return flat;
}

function statusError(status: number): CallResult["error"] {
  if (status >= 300 && status < 400) return { code: "redirect", message: `answered ${status}; redirects are not followed` };
  return { code: "http_status", message: `answered ${status}` };
}

/** A failure undici reported; a timeout or an abort has settled the call before it could. */
function classify(error: unknown): NonNullable<CallResult["error"]> {
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { code: code === "ESWITCHYARD_DENIED" ? "denied" : "network", message };
}

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
