/**
 * `npm run bench:delivery`: event → webhook delivery latency at a fixed rate,
 * and delivery throughput at saturation against the bare sink's own limit.
 *
 * Three processes: this runner (the load generator), `bench/server.ts` (the
 * real app, configured from the environment) and `bench/sink.ts` (a plain
 * node:http receiver answering 204). One target points at the sink and one
 * execution sends it every `bench.created` event.
 *
 * 1. Latency: PushEvent open-loop at `BENCH_RATE` (1,000) events/s for
 *    `BENCH_DELIVERY_SECONDS` (30) s; latency = sink receipt − send time.
 * 2. Saturation: `BENCH_SATURATION_EVENTS` (20,000) events pushed by 32
 *    closed-loop clients; deliveries/s at the sink from its first to its last receipt.
 * 3. Backlog: half as many events pushed while the sink holds its answers,
 *    then released; deliveries/s from the release to the last receipt.
 * 4. Baseline: autocannon straight at the sink with a delivery's own headers
 *    and body, as many connections as the dispatcher may use, 5 s.
 *
 * `BENCH_CPU_PROF=<dir>` starts the server with `--cpu-prof` into that directory.
 */
import { loadConfig } from "../server/config.js";
import { type BenchServer, postJson, startBenchServer, writeResultsBlock } from "./bench-process.js";
import { bareSinkPhase, drainPhase, loadPhase } from "./delivery-phases.js";
import { deliveryReport } from "./delivery-report.js";
import { ms } from "./delivery-stats.js";
import { createPusher, pushAsFastAsPossible, pushAtFixedRate } from "./push-load.js";
import { type Sink, startSink } from "./sink-client.js";

const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_DELIVERY_SECONDS ?? 30);
const saturationEvents = Number(process.env.BENCH_SATURATION_EVENTS ?? 20_000);
const saturationClients = 32;
const baselineSeconds = 5;
const latencyGoalMs = 25;
/** What the server will use; the baseline gets as many connections as the dispatcher may have attempts in flight. */
const { deliveryConcurrency } = loadConfig(process.env);

/** One target at the sink, and an execution sending it every `bench.created`. Its timeout outlasts the backlog phase's push. */
async function sendEventsToSink(server: BenchServer, sink: Sink): Promise<void> {
  const target = await postJson(server.baseUrl, "/switchyard.v1.TargetService/CreateTarget", {
    name: "bench-sink",
    endpoint: sink.url,
    timeout: "120s",
    restWebhook: {},
  });
  await postJson(server.baseUrl, "/switchyard.v1.ExecutionService/SetExecution", {
    condition: { event: { event: "bench.created" } },
    targets: [{ target: target.id }],
  });
}

const cpuProfile = process.env.BENCH_CPU_PROF;
const sink = await startSink();
const server = await startBenchServer({}, cpuProfile ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfile}`] : []);
const pusher = createPusher(server.baseUrl, 64);
try {
  await sendEventsToSink(server, sink);
  const clock = await sink.clockOffset();
  console.log(`sink clock − runner clock: ${clock.offsetMs.toFixed(3)} ms (± ${(clock.roundTripMs / 2).toFixed(3)} ms)`);

  await loadPhase(server, sink, () => pushAtFixedRate(pusher, { rate, seconds: 2, firstN: 0 }), 10_000); // warm-up
  const steady = await loadPhase(server, sink, () => pushAtFixedRate(pusher, { rate, seconds, firstN: 0 }), 30_000);
  console.log(
    `fixed rate: ${steady.received.delivered}/${steady.push.sent} delivered, p50 ${ms(steady.received.latency.p50)} ms, ` +
      `p99 ${ms(steady.received.latency.p99)} ms; other processes used ${steady.foreignCores.toFixed(2)} cores`,
  );
  const flood = (count: number) => () => pushAsFastAsPossible(pusher, { count, concurrency: saturationClients, firstN: 0 });
  const saturated = await loadPhase(server, sink, flood(saturationEvents), 120_000);
  console.log(`saturation: ${Math.round(saturated.received.receiptsPerSecond)} deliveries/s; other processes used ${saturated.foreignCores.toFixed(2)} cores`);
  const drained = await drainPhase(server, sink, flood(Math.round(saturationEvents / 2)), 120_000);
  console.log(`backlog: ${Math.round(drained.deliveriesPerSecond)} deliveries/s; other processes used ${drained.foreignCores.toFixed(2)} cores`);
  if (!saturated.sample) throw new Error("the sink received nothing to replay");
  const bare = await bareSinkPhase(sink, saturated.sample, deliveryConcurrency, baselineSeconds);
  console.log(`bare sink: ${Math.round(bare.rate)} req/s`);

  const table = deliveryReport({ rate, seconds, latencyGoalMs, deliveryConcurrency, saturationClients, clock, steady, saturated, drained, bare });
  writeResultsBlock("delivery", table);
  console.log(`\n${table}`);
} finally {
  await pusher.close();
  await server.stop();
  sink.stop();
}
