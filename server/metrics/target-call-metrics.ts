/** Metrics of calls to targets (and callback URLs), fed by the HTTP caller's `onResult`. */
import { Counter, Histogram, type Registry } from "prom-client";
import type { CallRequest, CallResult } from "../engine/http-caller.js";

/** Seconds: target timeouts go up to minutes, most answers take milliseconds. */
const callBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The `target` label of job and batch callbacks, which have no target. */
export const callbackTargetLabel = "callback";

/**
 * Registers `switchyard_target_calls_total{target,outcome}` and
 * `switchyard_target_call_duration_seconds{target,outcome}`. `target` is the
 * target id (`callback` for job and batch callbacks), never a URL, so series
 * are bounded by the number of targets; `outcome` is `ok` or the caller's
 * error code (http_status, timeout, network, denied, redirect, aborted).
 * Answers the observer for the caller's `onResult`.
 */
export function createTargetCallMetrics(registry: Registry): (request: CallRequest, result: CallResult) => void {
  const labelNames = ["target", "outcome"] as const;
  const total = new Counter({
    name: "switchyard_target_calls_total",
    help: "HTTP calls to targets and callback URLs, by target id (callback for job and batch callbacks) and outcome.",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "switchyard_target_call_duration_seconds",
    help: "Duration of HTTP calls to targets in seconds (connect, headers and body), by target id and outcome.",
    labelNames,
    buckets: callBuckets,
    registers: [registry],
  });
  return (request, result) => {
    const outcome = result.ok ? "ok" : (result.error?.code ?? "http_status");
    const labels = { target: request.targetId ?? callbackTargetLabel, outcome };
    total.inc(labels);
    duration.observe(labels, result.latencyMs / 1000);
  };
}
