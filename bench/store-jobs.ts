/**
 * `npx tsx bench/store-jobs.ts`: the store's share of a job — accept (with a
 * lease), start, succeed — appended through the real SQLite store on a temp
 * file, 64 jobs in flight, no HTTP. Prints µs of this process's CPU per job.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uuidV7 as randomUUID } from "../server/domain/ids.js";
import { type Job, decideAcceptJob, decideStartJob, decideSucceedJob, evolveJob } from "../server/domain/job.js";
import { createSqliteStore } from "../server/store/sqlite/sqlite-store.js";

const jobs = Number(process.env.STORE_JOBS ?? 20_000);
const inFlight = 64;
const dir = mkdtempSync(join(tmpdir(), "store-jobs-"));
const store = await createSqliteStore({ path: join(dir, "bench.db") });
const actor = { resourceOwner: "default", subject: "bench" };
const spec = { function: "bench-job", input: { orderId: 42, items: ["a", "b"] }, async: true, includeResultSchema: false, maxAttempts: 3 };

async function one(): Promise<void> {
  const id = randomUUID();
  const lease = { owner: "worker", until: new Date(Date.now() + 30_000) };
  const [accepted] = await store.append({
    actor,
    events: [decideAcceptJob(id, spec)],
    expectations: [{ aggregateType: "job", aggregateId: id, sequence: 0n }],
    jobLeases: [{ jobId: id, lease }],
  });
  let job = evolveJob(undefined, accepted!) as Job;
  for (const decide of [(j: Job) => decideStartJob(j, 1), (j: Job) => decideSucceedJob(j, null, { ...j.progress, running: 0, pending: 0, succeeded: 1 })]) {
    const stored = await store.append({ actor: { ...actor, subject: "system:runner" }, events: decide(job), expectations: [{ aggregateType: "job", aggregateId: id, sequence: job.details.sequence }] });
    job = stored.reduce<Job | undefined>((current, event) => evolveJob(current, event), job)!;
  }
}

async function run(count: number): Promise<{ cpu: number; wall: number }> {
  let next = 0;
  const before = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next++ < count) await one();
  }));
  const used = process.cpuUsage(before);
  return { cpu: (used.user + used.system) / count, wall: ((performance.now() - started) * 1000) / count };
}

await run(2_000);
const perJob = await run(jobs);
console.log(`${jobs} jobs (accept + start + succeed): ${perJob.wall.toFixed(1)} µs per job, ${perJob.cpu.toFixed(1)} µs of CPU per job`);
await store.close();
rmSync(dir, { recursive: true });
