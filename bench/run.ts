/**
 * `npm run bench`: measures GetTarget and SetExecution throughput over Connect
 * JSON/HTTP 1.1 and over gRPC against the bare echo baseline served by the same
 * server in the same run, prints the ratios, and writes them into bench/README.md.
 *
 * Rounds alternate baseline and subject so drift (thermal, GC, WAL growth)
 * hits both alike; the median of the rounds is reported.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { createInterface } from "node:readline";
import { type LoadResult, connectJsonLoad, grpcLoad } from "./load.js";
import { type Workload, prepareWorkloads } from "./workloads.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);

const server = spawn(process.execPath, ["--import", "tsx", "bench/server.ts"], { stdio: ["ignore", "pipe", "ignore"] });
const port = await new Promise<number>((resolve, reject) => {
  server.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  createInterface({ input: server.stdout! }).once("line", (line) => resolve(JSON.parse(line).port));
});
const baseUrl = `http://127.0.0.1:${port}`;

/** CPU time (user + system, µs) the server process has used so far, from /proc. */
function serverCpuMicros(): number {
  const fields = readFileSync(`/proc/${server.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / clockTicks;
}
const clockTicks = 100;

type Protocol = "connect-json-http1" | "grpc";
interface Measured extends LoadResult {
  /** Server CPU per call, µs. */
  readonly cpuPerCall: number;
}
async function run(protocol: Protocol, path: string, workload: Workload): Promise<Measured> {
  const before = serverCpuMicros();
  const result =
    protocol === "grpc"
      ? await grpcLoad({ address: `127.0.0.1:${port}`, path, bodies: workload.binaryBodies, connections, seconds })
      : await connectJsonLoad({ baseUrl, path, bodies: workload.jsonBodies, connections, seconds });
  const cpuPerCall = (serverCpuMicros() - before) / (result.requestsPerSecond * seconds);
  return { ...result, cpuPerCall };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  const workloads = await prepareWorkloads(baseUrl);
  const rows: string[] = [];
  for (const protocol of ["connect-json-http1", "grpc"] as const) {
    for (const workload of workloads) {
      // Switchyard serves Connect and gRPC unary calls through its unary lane: so does the lane echo.
      await run(protocol, workload.echoPath, workload); // warm-up of every path
      await run(protocol, workload.laneEchoPath, workload);
      await run(protocol, workload.path, workload);
      const baseline: Measured[] = [];
      const laneBaseline: Measured[] = [];
      const subject: Measured[] = [];
      for (let round = 0; round < rounds; round++) {
        baseline.push(await run(protocol, workload.echoPath, workload));
        laneBaseline.push(await run(protocol, workload.laneEchoPath, workload));
        subject.push(await run(protocol, workload.path, workload));
      }
      const rps = (runs: Measured[]) => median(runs.map((r) => r.requestsPerSecond));
      const cpu = (runs: Measured[]) => median(runs.map((r) => r.cpuPerCall));
      const errors = [...baseline, ...laneBaseline, ...subject].reduce((sum, r) => sum + r.errors, 0);
      const ratio = rps(subject) / rps(baseline);
      const verdict = ratio >= workload.goal ? "meets" : "below";
      rows.push(
        `| ${workload.name} | ${protocol} | ${Math.round(rps(baseline))} | ${Math.round(rps(laneBaseline))} | ` +
          `${Math.round(rps(subject))} | **${ratio.toFixed(3)}** | ${(rps(subject) / rps(laneBaseline)).toFixed(3)} | ` +
          `≥ ${workload.goal} (${verdict}) | ${Math.round(cpu(baseline))} | ${Math.round(cpu(laneBaseline))} | ` +
          `${Math.round(cpu(subject))} | ${errors} |`,
      );
      console.log(rows.at(-1));
    }
  }
  const table = [
    `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version};`,
    `${connections} concurrent calls, ${rounds} alternating rounds of ${seconds} s, medians.`,
    "",
    "Ratio: Switchyard against the bare connect-node echo (the goal's baseline); lane ratio: against the same echo behind the unary lane.",
    "",
    "| RPC | protocol | echo req/s | lane echo req/s | Switchyard req/s | ratio | lane ratio | goal | echo server CPU µs/call | lane echo server CPU µs/call | Switchyard server CPU µs/call | errors |",
    "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
  const readme = readFileSync("bench/README.md", "utf8");
  writeFileSync(
    "bench/README.md",
    readme.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, `<!-- results:start -->\n${table}\n<!-- results:end -->`),
  );
  console.log(`\n${table}`);
} finally {
  server.kill("SIGTERM");
}
