/** RPC metrics, fed by the request-context interceptor's single measurement per RPC. */
import { Counter, Histogram, type Registry } from "prom-client";
import type { RpcOutcome } from "../api/interceptors/request-context.js";

/** Seconds: from sub-millisecond reads to slow intercepted calls. */
const rpcBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Registers `switchyard_rpcs_total{service,method,code}` (every RPC, streams
 * when they end) and `switchyard_rpc_duration_seconds{service,method,code}`
 * (unary RPCs only: a stream's duration is how long someone watched, not a
 * latency). Labels come from the router's own method descriptors, so unknown
 * paths never make new series. Answers the observer for `onRpcDone`.
 */
export function createRpcMetrics(registry: Registry): (rpc: RpcOutcome) => void {
  const labelNames = ["service", "method", "code"] as const;
  const total = new Counter({
    name: "switchyard_rpcs_total",
    help: "RPCs handled, by service, method and code (Connect's spelling: ok, not_found, …); streams are counted when they end.",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "switchyard_rpc_duration_seconds",
    help: "Duration of unary RPCs in seconds, from the outermost interceptor to the reply, by service, method and code.",
    labelNames,
    buckets: rpcBuckets,
    registers: [registry],
  });
  return (rpc) => {
    const labels = { service: rpc.service, method: rpc.method, code: rpc.code };
    total.inc(labels);
    if (!rpc.streaming) duration.observe(labels, rpc.seconds);
  };
}
