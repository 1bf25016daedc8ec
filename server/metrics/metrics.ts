/**
 * The metrics of one app, served at `GET /metrics` in the Prometheus text
 * format. Each app has its own registry (several servers in one process never
 * collide); the process's default metrics are shared (see process-metrics.ts).
 */
import { Registry } from "prom-client";
import type { RpcOutcome } from "../api/interceptors/request-context.js";
import type { CallRequest, CallResult } from "../engine/http-caller.js";
import type { StaticRouteHandler } from "../transport/http-routes.js";
import { processMetricsRegistry } from "./process-metrics.js";
import { createRpcMetrics } from "./rpc-metrics.js";
import { type StateSources, registerStateMetrics } from "./state-metrics.js";
import { createTargetCallMetrics } from "./target-call-metrics.js";

export interface Metrics {
  /** For the request-context interceptor's `onRpcDone`. */
  readonly observeRpc: (rpc: RpcOutcome) => void;
  /** For the HTTP caller's `onResult`. */
  readonly observeCall: (request: CallRequest, result: CallResult) => void;
  /** Everything in the text format, with its content type; gauges are read now. */
  scrape(): Promise<{ contentType: string; body: string }>;
  /** The `GET /metrics` route. */
  readonly route: StaticRouteHandler;
}

/** Creates an app's metrics over its own registry; `sources` are read only when scraped. */
export function createMetrics(sources: StateSources, options: { processMetrics?: boolean } = {}): Metrics {
  const own = new Registry();
  const observeRpc = createRpcMetrics(own);
  const observeCall = createTargetCallMetrics(own);
  registerStateMetrics(own, sources);
  const registry = options.processMetrics === false ? own : Registry.merge([processMetricsRegistry(), own]);

  const scrape = async () => ({ contentType: registry.contentType, body: await registry.metrics() });
  const route: StaticRouteHandler = (_request, response) => {
    scrape().then(
      ({ contentType, body }) => {
        response.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
        response.end(body);
      },
      (error: unknown) => {
        // Typically the store closing during shutdown; Prometheus records the failed scrape.
        response.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
        response.end(`metrics unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  };
  return { observeRpc, observeCall, scrape, route };
}
