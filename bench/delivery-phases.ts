/**
 * The phases of the delivery benchmark: pushing under a load while the sink
 * receives, draining a backlog the sink held up, and the bare sink's own rate.
 * Each reports server and sink CPU and how busy the rest of the machine was.
 */
import autocannon from "autocannon";
import { type BenchServer, createForeignCpuMeter, eventLoopBusy } from "./bench-process.js";
import { type Deliveries, deliveries, receiptRate } from "./delivery-stats.js";
import type { PushOutcome } from "./push-load.js";
import type { Sink, SinkReceipts } from "./sink-client.js";

/** A load phase: what was pushed and what the sink received. */
export interface Phase {
  readonly push: PushOutcome;
  readonly received: Deliveries;
  /** One delivery as the sink received it. */
  readonly sample: SinkReceipts["sample"];
  /** Server and sink CPU per event, µs. */
  readonly serverCpuPerEvent: number;
  readonly sinkCpuPerEvent: number;
  /** Share of the time the server's main thread was busy (event-loop utilisation). */
  readonly serverEventLoopBusy: number;
  /** Cores used by other processes of the machine meanwhile. */
  readonly foreignCores: number;
}

/** A backlog drained: deliveries/s from the sink's release to its last receipt. */
export interface Drain {
  readonly push: PushOutcome;
  readonly delivered: number;
  /** Requests that reached the sink before it let go (the dispatcher's concurrency). */
  readonly heldAtRelease: number;
  readonly deliveriesPerSecond: number;
  /** Server CPU per delivery while draining, µs. */
  readonly serverCpuPerDelivery: number;
  /** Share of the drain the server's main thread was busy. */
  readonly serverEventLoopBusy: number;
  readonly foreignCores: number;
}

/** Waits until `expected` distinct events reached the sink, or `timeoutMs` passed. */
async function allDelivered(sink: Sink, expected: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await sink.count()).distinct < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Runs `load`, then waits (up to `drainMs`) until everything it pushed was delivered. */
export async function loadPhase(server: BenchServer, sink: Sink, load: () => Promise<PushOutcome>, drainMs: number): Promise<Phase> {
  await sink.reset();
  const meter = createForeignCpuMeter(() => [server.pid, sink.pid]);
  const [serverBefore, sinkBefore, loopBefore] = [server.cpuMicros(), sink.cpuMicros(), await server.eventLoop()];
  meter.start();
  const push = await load();
  await allDelivered(sink, push.accepted, drainMs);
  meter.stop();
  const loopAfter = await server.eventLoop();
  const receipts = await sink.report();
  return {
    push,
    received: deliveries(receipts),
    sample: receipts.sample,
    serverCpuPerEvent: (server.cpuMicros() - serverBefore) / push.sent,
    sinkCpuPerEvent: (sink.cpuMicros() - sinkBefore) / push.sent,
    serverEventLoopBusy: eventLoopBusy(loopBefore, loopAfter),
    foreignCores: meter.foreignCores(),
  };
}

/**
 * The sink holds its answers while `load` pushes, so the dispatcher's
 * attempts stay in flight and every further delivery waits in the outbox;
 * then the sink lets go and the dispatcher claims the backlog page by page.
 * The target's timeout must outlast the push.
 */
export async function drainPhase(server: BenchServer, sink: Sink, load: () => Promise<PushOutcome>, drainMs: number): Promise<Drain> {
  await sink.reset();
  await sink.hold();
  const push = await load();
  const meter = createForeignCpuMeter(() => [server.pid, sink.pid]);
  const [serverBefore, loopBefore] = [server.cpuMicros(), await server.eventLoop()];
  meter.start();
  const releasedAt = await sink.release();
  await allDelivered(sink, push.accepted, drainMs);
  meter.stop();
  const loopAfter = await server.eventLoop();
  const serverCpu = server.cpuMicros() - serverBefore;
  const receipts = await sink.report();
  const afterRelease = receipts.receivedAt.filter((at) => at >= releasedAt);
  const lastReceipt = afterRelease.reduce((latest, at) => Math.max(latest, at), releasedAt);
  return {
    push,
    delivered: deliveries(receipts).delivered,
    heldAtRelease: receipts.receivedAt.length - afterRelease.length,
    deliveriesPerSecond: (afterRelease.length * 1000) / (lastReceipt - releasedAt),
    serverCpuPerDelivery: serverCpu / afterRelease.length,
    serverEventLoopBusy: eventLoopBusy(loopBefore, loopAfter),
    foreignCores: meter.foreignCores(),
  };
}

/** The bare sink's own rate. */
export interface BareSink {
  readonly rate: number;
  readonly cpuPerRequest: number;
  readonly connections: number;
  readonly seconds: number;
}

/** Autocannon replays one delivery (its headers, its body) straight at the sink; the rate is counted at the sink. */
export async function bareSinkPhase(sink: Sink, sample: NonNullable<SinkReceipts["sample"]>, connections: number, seconds: number): Promise<BareSink> {
  await sink.reset();
  const before = sink.cpuMicros();
  const { host: _host, connection: _connection, "content-length": _length, ...headers } = sample.headers;
  const result = await autocannon({ url: sink.url, connections, duration: seconds, method: "POST", headers, body: sample.body });
  const { receivedAt } = await sink.report();
  if (result.errors + result.non2xx > 0) throw new Error(`the bare sink failed ${result.errors + result.non2xx} requests`);
  return { rate: receiptRate(receivedAt), cpuPerRequest: (sink.cpuMicros() - before) / receivedAt.length, connections, seconds };
}
