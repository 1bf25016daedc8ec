/**
 * Gauges read at scrape time: what is queued, running and stored right now.
 * Nothing is counted on the hot path; each scrape runs two `GROUP BY status`
 * counts and reads the latest event position.
 */
import { Gauge, type Registry } from "prom-client";
import type { Store } from "../store/store.js";

/** Where the gauges read from; `runner` and `dispatcher` are called only at scrape time. */
export interface StateSources {
  readonly store: Pick<Store, "deliveryCounts" | "jobCounts" | "lastPosition">;
  readonly runner: () => { running: number; queued: number; admitting: number };
  readonly dispatcher: () => { inFlight: number; queued: number };
}

/**
 * Registers `switchyard_deliveries{status}`, `switchyard_jobs{status}`,
 * `switchyard_job_runner_running`, `switchyard_job_runner_queued`, `switchyard_job_runner_admitting`,
 * `switchyard_delivery_dispatcher_in_flight`, `switchyard_delivery_dispatcher_queued`
 * and `switchyard_event_store_position`.
 */
export function registerStateMetrics(registry: Registry, sources: StateSources): void {
  const deliveries: Gauge<"status"> = new Gauge({
    name: "switchyard_deliveries",
    help: "Deliveries in the store by status (pending, failed = waiting for a retry, dead, succeeded), all owners.",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      setEach(deliveries, await sources.store.deliveryCounts());
    },
  });
  const jobs: Gauge<"status"> = new Gauge({
    name: "switchyard_jobs",
    help: "Jobs in the store by status (accepted, running, succeeded, partially_failed, failed, cancelled), all owners.",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      setEach(jobs, await sources.store.jobCounts());
    },
  });
  const position: Gauge = new Gauge({
    name: "switchyard_event_store_position",
    help: "Position of the latest event in the store (0 when empty); its rate is the event write rate.",
    registers: [registry],
    async collect() {
      position.set(Number(await sources.store.lastPosition()));
    },
  });
  const gauge = (name: string, help: string, read: () => number) => {
    const created: Gauge = new Gauge({ name, help, registers: [registry], collect: () => created.set(read()) });
  };
  gauge("switchyard_job_runner_running", "Jobs this process's runner is running now.", () => sources.runner().running);
  gauge("switchyard_job_runner_queued", "Jobs this process's runner has claimed and not started yet (waiting for a slot).", () => sources.runner().queued);
  gauge(
    "switchyard_job_runner_admitting",
    "ExecuteJob calls waiting for a place in this process's runner (backpressure; at most SWITCHYARD_JOB_ADMISSION_WAIT_MS each).",
    () => sources.runner().admitting,
  );
  gauge("switchyard_delivery_dispatcher_in_flight", "Delivery attempts this process is making now.", () => sources.dispatcher().inFlight);
  gauge("switchyard_delivery_dispatcher_queued", "Deliveries this process has claimed and not attempted yet.", () => sources.dispatcher().queued);
}

function setEach(gauge: Gauge<"status">, counts: Readonly<Record<string, number>>): void {
  for (const [status, count] of Object.entries(counts)) gauge.set({ status }, count);
}
