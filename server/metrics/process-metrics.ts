/**
 * prom-client's default metrics (`process_*`, `nodejs_*`): CPU, memory, heap,
 * event-loop lag, GC, handles, file descriptors.
 */
import { Registry, collectDefaultMetrics } from "prom-client";

let shared: Registry | undefined;

/**
 * The registry of this process's default metrics, created on first use and
 * shared by every app in the process. Kept once per process on purpose: they
 * describe the process, not an app, and each `collectDefaultMetrics` call
 * starts an event-loop monitor and a GC observer that are never stopped — one
 * per test server would pile up.
 */
export function processMetricsRegistry(): Registry {
  shared ??= createProcessRegistry();
  return shared;
}

function createProcessRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
