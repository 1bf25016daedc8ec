/**
 * One writer of `npm run bench:writers`: a process with its own job commands,
 * runner and SQLite connection on the shared database file `STORE_DB`.
 * Driven over IPC by bench/store-writers.ts:
 *
 * - it answers `{ready: true}` once its store is open and 500 jobs of
 *   warm-up have succeeded;
 * - `{go: count, callers}` accepts `count` async jobs from `callers`
 *   closed-loop callers;
 * - meanwhile, every 20 ms and once all are accepted, it sends
 *   `{succeeded, failedAccepts, accepted}`: the jobs it ran to SUCCEEDED since
 *   `go` (a job one writer queued may be run by another), the accepts that
 *   threw (e.g. SQLITE_BUSY after the busy timeout), and whether all of its
 *   accepts returned;
 * - `{stop: true}` closes the store and exits.
 */
import { createStoreHarness } from "./store-harness.js";

const path = process.env.STORE_DB;
if (!path || !process.send) throw new Error("bench/store-writer.ts runs as a child of bench/store-writers.ts, with STORE_DB set");
const send = (message: object) => process.send!(message);
const harness = await createStoreHarness(path);
let succeeded = 0;
harness.onSucceeded(() => void succeeded++);

const warmUp = 500;
const warmUpErrors = await harness.acceptJobs(warmUp, 8);
if (warmUpErrors.length > 0) throw warmUpErrors[0];
while (succeeded < warmUp) await new Promise((resolve) => setTimeout(resolve, 10));
send({ ready: true });

process.on("message", async (message: { go?: number; callers?: number; stop?: boolean }) => {
  if (message.stop) {
    await harness.close();
    process.exit(0);
  }
  if (message.go === undefined) return;
  succeeded = 0;
  let failedAccepts = 0;
  let accepted = false;
  const report = setInterval(() => send({ succeeded, failedAccepts, accepted }), 20);
  const errors = await harness.acceptJobs(message.go, message.callers ?? 16);
  failedAccepts = errors.length;
  if (errors.length > 0) console.error(`${errors.length} accepts failed; the first:`, errors[0]);
  accepted = true;
  // Keeps reporting until stopped: a writer may still run jobs it claimed.
  process.once("disconnect", () => clearInterval(report));
});
