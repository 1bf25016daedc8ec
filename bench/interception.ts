/**
 * `npm run bench:interception`: what request/response interception costs an
 * RPC that no execution matches. Two servers run side by side, seeded alike —
 * 102 targets and 78 executions, none of which matches GetTarget — A with
 * interception on, B with `SWITCHYARD_INTERCEPTION=off` — and GetTarget is
 * driven against each in alternating rounds (A B, B A, A B, …), over Connect JSON
 * (autocannon) and gRPC. Prints the median req/s of each, the ratio A/B and
 * server CPU per call, and the in-process cost of the lookups interception
 * makes, and writes them into bench/README.md.
 */
import { type LoadResult, connectJsonLoad, grpcLoad } from "./load.js";
import { type BenchServer, createForeignCpuMeter, machineLine, median, startBenchServer, writeResultsBlock } from "./bench-process.js";
import { measureLookupNanos } from "./interception-lookup.js";
import { probeIntercepts, seedNonMatchingExecutions } from "./interception-seed.js";
import { type Workload, prepareWorkloads } from "./workloads.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const warmUpSeconds = 2;
const goal = 0.97;

type Protocol = "connect-json-http1" | "grpc";
interface Subject {
  readonly server: BenchServer;
  readonly getTarget: Workload;
  /** What was seeded, in words. */
  readonly seeded: string;
}
interface Measured extends LoadResult {
  /** Server CPU per call, µs. */
  readonly cpuPerCall: number;
}

async function measure(subject: Subject, protocol: Protocol, duration: number): Promise<Measured> {
  const { server, getTarget } = subject;
  const before = server.cpuMicros();
  const result =
    protocol === "grpc"
      ? await grpcLoad({ address: `127.0.0.1:${server.port}`, path: getTarget.path, bodies: getTarget.binaryBodies, connections, seconds: duration })
      : await connectJsonLoad({ baseUrl: server.baseUrl, path: getTarget.path, bodies: getTarget.jsonBodies, connections, seconds: duration });
  return { ...result, cpuPerCall: (server.cpuMicros() - before) / (result.requestsPerSecond * duration) };
}

async function prepare(server: BenchServer): Promise<Subject> {
  const getTarget = (await prepareWorkloads(server.baseUrl)).find((workload) => workload.name === "GetTarget")!;
  const counts = await seedNonMatchingExecutions(server.baseUrl);
  const seeded =
    `102 targets (100 of \`npm run bench\`, 2 for the executions); ${counts.method} request/response method executions, ${counts.service} service executions, ` +
    `${counts.function} function and ${counts.event} event executions`;
  return { server, getTarget, seeded };
}

const [serverOn, serverOff] = await Promise.all([
  startBenchServer({ SWITCHYARD_INTERCEPTION: "on" }),
  startBenchServer({ SWITCHYARD_INTERCEPTION: "off" }),
]);
try {
  const on = await prepare(serverOn);
  const off = await prepare(serverOff);
  const seeded = on.seeded;
  // The seeding must have made a difference that only interception sees.
  const [onIntercepts, offIntercepts] = [await probeIntercepts(serverOn.baseUrl), await probeIntercepts(serverOff.baseUrl)];
  if (!onIntercepts || offIntercepts) throw new Error(`probe: A intercepts ${onIntercepts}, B intercepts ${offIntercepts}; expected true, false`);
  console.log(`seeded on each server: ${seeded}; probe: A intercepts, B does not`);

  const rows: string[] = [];
  const meter = createForeignCpuMeter(() => [serverOn.pid, serverOff.pid]);
  for (const protocol of ["connect-json-http1", "grpc"] as const) {
    await measure(on, protocol, warmUpSeconds);
    await measure(off, protocol, warmUpSeconds);
    const runs = { on: [] as Measured[], off: [] as Measured[] };
    for (let round = 0; round < rounds; round++) {
      meter.start();
      // A B, B A, A B, …: a drift in the machine's load then favours neither.
      if (round % 2 === 0) {
        runs.on.push(await measure(on, protocol, seconds));
        runs.off.push(await measure(off, protocol, seconds));
      } else {
        runs.off.push(await measure(off, protocol, seconds));
        runs.on.push(await measure(on, protocol, seconds));
      }
      meter.stop();
      console.log(`${protocol} round ${round + 1}: A ${Math.round(runs.on.at(-1)!.requestsPerSecond)} req/s, B ${Math.round(runs.off.at(-1)!.requestsPerSecond)} req/s`);
    }
    const rps = (list: Measured[]) => median(list.map((run) => run.requestsPerSecond));
    const cpu = (list: Measured[]) => median(list.map((run) => run.cpuPerCall));
    const errors = [...runs.on, ...runs.off].reduce((sum, run) => sum + run.errors, 0);
    const ratio = rps(runs.on) / rps(runs.off);
    // What the throughput ratio would be if the server alone were the bottleneck: steadier on a shared machine.
    const cpuRatio = cpu(runs.off) / cpu(runs.on);
    const perRound = runs.on.map((run, index) => (run.requestsPerSecond / runs.off[index]!.requestsPerSecond).toFixed(3)).join(", ");
    rows.push(
      `| GetTarget | ${protocol} | ${Math.round(rps(runs.off))} | ${Math.round(rps(runs.on))} | **${ratio.toFixed(3)}** | ` +
        `≥ ${goal} (${ratio >= goal ? "meets" : "below"}) | ${perRound} | ${Math.round(cpu(runs.off))} | ${Math.round(cpu(runs.on))} | ${cpuRatio.toFixed(3)} | ${errors} |`,
    );
    console.log(rows.at(-1));
  }
  const lookupNanos = await measureLookupNanos();
  console.log(`in process: the no-match lookups cost ${lookupNanos.toFixed(0)} ns per RPC`);
  const table = [
    machineLine(),
    `${connections} concurrent calls, ${rounds} alternating rounds of ${seconds} s (A B, B A, …, after a ${warmUpSeconds} s warm-up of each), medians.`,
    `Seeded on both servers: ${seeded}.`,
    `Other processes on the machine used ${meter.foreignCores().toFixed(2)} cores on average during the rounds.`,
    "",
    "| RPC | protocol | B: interception off req/s | A: interception on req/s | ratio A/B | goal | A/B per round | B server CPU µs/call | A server CPU µs/call | CPU B/A | errors |",
    "|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ...rows,
    "",
    `In process, the router lookups interception makes for GetTarget (request and response side, no match) cost ` +
      `**${lookupNanos.toFixed(0)} ns of CPU per RPC** (${(1e3 / lookupNanos).toFixed(1)} M RPCs/s per core).`,
  ].join("\n");
  writeResultsBlock("interception", table);
  console.log(`\n${table}`);
} finally {
  await Promise.all([serverOn.stop(), serverOff.stop()]);
}
