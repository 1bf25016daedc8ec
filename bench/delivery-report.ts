/** The delivery benchmark's results block for bench/README.md. */
import { machineLine } from "./bench-process.js";
import type { BareSink, Drain, Phase } from "./delivery-phases.js";
import { type Distribution, distribution, ms } from "./delivery-stats.js";

export interface DeliveryResults {
  readonly rate: number;
  readonly seconds: number;
  readonly latencyGoalMs: number;
  readonly deliveryConcurrency: number;
  readonly saturationClients: number;
  readonly clock: { readonly offsetMs: number; readonly roundTripMs: number };
  readonly steady: Phase;
  readonly saturated: Phase;
  readonly drained: Drain;
  readonly bare: BareSink;
}

const row = (d: Distribution) => `${ms(d.p50)} | ${ms(d.p90)} | ${ms(d.p99)} | ${ms(d.p999)} | ${ms(d.max)}`;
const percent = (share: number) => `${Math.round(share * 100)} %`;
const complete = (delivered: number, sent: number) => `${delivered} / ${sent}${delivered === sent ? "" : " (**missing**)"}`;

/** Formats the results as markdown. */
export function deliveryReport(results: DeliveryResults): string {
  const { steady, saturated, drained, bare, clock } = results;
  const { latency, toAppend, appendToReceipt } = steady.received;
  const pushSeconds = (saturated.push.finishedAt - saturated.push.startedAt) / 1000;
  const drainPushSeconds = (drained.push.finishedAt - drained.push.startedAt) / 1000;
  return [
    machineLine(),
    `Server with its default configuration (interception on, log level info, delivery concurrency ${results.deliveryConcurrency}); ` +
      "sink and server in their own processes.",
    `Times on the wall clock \`performance.timeOrigin + performance.now()\` of each process; the sink's clock was ` +
      `${clock.offsetMs.toFixed(3)} ms (± ${(clock.roundTripMs / 2).toFixed(3)}) off the runner's. The event's \`createdAt\` has ms resolution.`,
    "",
    `**Fixed rate**: ${results.rate} events/s open-loop for ${results.seconds} s (sends at most ${ms(steady.push.lagMs.at(-1) ?? 0)} ms ` +
      `behind their timetable, at most ${steady.push.maxInFlight} PushEvents in flight, ${steady.push.errors} errors). ` +
      `Delivered: ${complete(steady.received.delivered, steady.push.sent)}, ${steady.received.duplicates} duplicates.`,
    "",
    "| ms | p50 | p90 | p99 | p99.9 | max |",
    "|---|---:|---:|---:|---:|---:|",
    `| **send → sink receipt** (goal p99 < ${results.latencyGoalMs}: ${latency.p99 < results.latencyGoalMs ? "meets" : "**missed**"}) | ${row(latency)} |`,
    `| PushEvent answered (at the runner) | ${row(distribution(steady.push.responseMs))} |`,
    `| send → event \`createdAt\` (append) | ${row(toAppend)} |`,
    `| \`createdAt\` → sink receipt | ${row(appendToReceipt)} |`,
    "",
    `p99 of send → receipt in each 5 s of sending: ${steady.received.windowP99.map(ms).join(", ")} ms.`,
    `Server: main thread busy ${percent(steady.serverEventLoopBusy)} of the time (event-loop utilisation), process CPU ` +
      `${Math.round(steady.serverCpuPerEvent)} µs per event (PushEvent + delivery, all threads); sink CPU ` +
      `${Math.round(steady.sinkCpuPerEvent)} µs per delivery; other processes on the machine used ${steady.foreignCores.toFixed(2)} cores meanwhile.`,
    "",
    `**Saturation**: ${saturated.push.sent} events pushed by ${results.saturationClients} closed-loop clients in ${pushSeconds.toFixed(1)} s ` +
      `(${Math.round(saturated.push.sent / pushSeconds)} PushEvents/s, ${saturated.push.errors} errors); delivered ` +
      `${complete(saturated.received.delivered, saturated.push.sent)}, the last ` +
      `${((saturated.received.lastReceipt - saturated.push.finishedAt) / 1000).toFixed(1)} s after the last PushEvent was answered; ` +
      `server main thread busy ${percent(saturated.serverEventLoopBusy)}, CPU ${Math.round(saturated.serverCpuPerEvent)} µs per event, ` +
      `other processes ${saturated.foreignCores.toFixed(2)} cores. ` +
      `**Backlog**: ${drained.push.sent} events pushed in ${drainPushSeconds.toFixed(1)} s while the sink held its answers ` +
      `(${drained.heldAtRelease} requests held), then released; delivered ${complete(drained.delivered, drained.push.sent)}; ` +
      `while draining, server main thread busy ${percent(drained.serverEventLoopBusy)}, CPU ${Math.round(drained.serverCpuPerDelivery)} µs ` +
      `per delivery, other processes ${drained.foreignCores.toFixed(2)} cores.`,
    "",
    "| | req/s at the sink | ratio to the bare sink | sink CPU µs/request |",
    "|---|---:|---:|---:|",
    `| bare sink (autocannon, ${bare.connections} connections, ${bare.seconds} s, a delivery's headers and body) | ${Math.round(bare.rate)} | 1 | ${Math.round(bare.cpuPerRequest)} |`,
    `| **Switchyard, pushing and delivering** (first → last receipt) | ${Math.round(saturated.received.receiptsPerSecond)} | ` +
      `**${(saturated.received.receiptsPerSecond / bare.rate).toFixed(3)}** | ${Math.round(saturated.sinkCpuPerEvent)} |`,
    `| Switchyard, draining the backlog (release → last receipt) | ${Math.round(drained.deliveriesPerSecond)} | ` +
      `${(drained.deliveriesPerSecond / bare.rate).toFixed(3)} | |`,
  ].join("\n");
}
