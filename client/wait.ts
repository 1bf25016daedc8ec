/**
 * Waiting for a job or a batch to end, through WatchJob / WatchBatch.
 */
import { type Batch, type Job, JobStatus } from "../gen/switchyard/v1/job_pb.js";
import type { SwitchyardClient } from "./services.js";

/** Options of {@link waitForJob} and {@link waitForBatch}. */
export interface WaitOptions<T> {
  /** Called with the current state first, then after every change, the terminal one included. */
  readonly onUpdate?: (current: T) => void;
  /** Stops waiting (the promise rejects with a `canceled` ConnectError). */
  readonly signal?: AbortSignal;
}

const terminal: ReadonlySet<JobStatus> = new Set([
  JobStatus.SUCCEEDED,
  JobStatus.PARTIALLY_FAILED,
  JobStatus.FAILED,
  JobStatus.CANCELLED,
]);

/** Whether a job or batch in `status` has ended (succeeded, partially failed, failed or cancelled). */
export function isTerminalStatus(status: JobStatus): boolean {
  return terminal.has(status);
}

/**
 * Resolves with the job once it has ended, whatever its status (check
 * `job.status`); rejects when a call fails (e.g. `not_found`). Should the
 * stream end early (the server restarting), it looks again and resumes.
 */
export function waitForJob(client: Pick<SwitchyardClient, "jobs">, id: string, options: WaitOptions<Job> = {}): Promise<Job> {
  return waitUntilEnded(
    async function* (signal) {
      for await (const { job } of client.jobs.watchJob({ id }, { signal })) if (job) yield job;
    },
    async (signal) => (await client.jobs.getJob({ id }, { signal })).job,
    options,
  );
}

/** Like {@link waitForJob}, for a batch (WatchBatch); resolves with the ended batch. */
export function waitForBatch(client: Pick<SwitchyardClient, "jobs">, id: string, options: WaitOptions<Batch> = {}): Promise<Batch> {
  return waitUntilEnded(
    async function* (signal) {
      for await (const { batch } of client.jobs.watchBatch({ id }, { signal })) if (batch) yield batch;
    },
    async (signal) => (await client.jobs.getBatch({ id }, { signal })).batch,
    options,
  );
}

async function waitUntilEnded<T extends { status: JobStatus }>(
  watch: (signal: AbortSignal) => AsyncIterable<T>,
  get: (signal: AbortSignal) => Promise<T | undefined>,
  options: WaitOptions<T>,
): Promise<T> {
  // Leaving a for-await does not close a fetch-based stream; aborting does.
  const done = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, done.signal]) : done.signal;
  try {
    for (;;) {
      for await (const current of watch(signal)) {
        options.onUpdate?.(current);
        if (isTerminalStatus(current.status)) return current;
      }
      // The stream ended before the end (e.g. a server shutting down ends its streams): look, then watch again.
      const current = await get(signal);
      if (current && isTerminalStatus(current.status)) {
        options.onUpdate?.(current);
        return current;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    done.abort();
  }
}
