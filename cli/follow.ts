/**
 * Following a job or batch to its end for `--wait` and `watch`: progress on
 * stderr while it runs, the final state on stdout, and the exit code of its
 * status (0 only for SUCCEEDED).
 */
import { create } from "@bufbuild/protobuf";
import {
  type Batch,
  type Job,
  JobStatus,
  type SwitchyardClient,
  WatchBatchResponseSchema,
  WatchJobResponseSchema,
  waitForBatch,
  waitForJob,
} from "../client/node.js";
import type { CliIo } from "./command.js";
import type { Output } from "./output.js";
import { createProgressReporter } from "./progress.js";
import { exitCodes } from "./report-error.js";
import { enumName } from "./shared-options.js";
import { batchFields, jobFields } from "./views.js";

/** Waits for job `id` to end while showing its progress; prints it and answers the exit code. */
export async function followJob(client: SwitchyardClient, id: string, output: Output, io: CliIo): Promise<number> {
  const reporter = createProgressReporter(io);
  let job: Job;
  try {
    job = await waitForJob(client, id, {
      signal: io.signal,
      onUpdate: (current) => reporter.update({ kind: "job", id, status: enumName(JobStatus, current.status), progress: current.progress }),
    });
  } catch (error) {
    reporter.finish();
    noteStopped(io, `jobs watch ${id}`);
    throw error;
  } finally {
    reporter.finish();
  }
  // `{"job": …}` like every other answer that carries a job, so `jq .job.status` works throughout.
  output.print(WatchJobResponseSchema, create(WatchJobResponseSchema, { job }), () => jobFields(job));
  return exitOf(job.status);
}

/** Waits for batch `id` to end while showing its progress; prints it and answers the exit code. */
export async function followBatch(client: SwitchyardClient, id: string, output: Output, io: CliIo): Promise<number> {
  const reporter = createProgressReporter(io);
  let batch: Batch;
  try {
    batch = await waitForBatch(client, id, {
      signal: io.signal,
      onUpdate: (current) => reporter.update({ kind: "batch", id, status: enumName(JobStatus, current.status), progress: current.progress }),
    });
  } catch (error) {
    reporter.finish();
    noteStopped(io, `batches watch ${id}`);
    throw error;
  } finally {
    reporter.finish();
  }
  output.print(WatchBatchResponseSchema, create(WatchBatchResponseSchema, { batch }), () => batchFields(batch));
  return exitOf(batch.status);
}

/** On Ctrl-C: only the watching stops, so say how to pick it up again. */
function noteStopped(io: CliIo, command: string): void {
  if (io.signal.aborted) io.err(`stopped watching; it goes on on the server (switchyard ${command})\n`);
}

/** 0 for SUCCEEDED and for a job still running (nothing failed yet); 3 for anything that ended otherwise. */
export function exitOf(status: JobStatus): number {
  return status === JobStatus.FAILED || status === JobStatus.PARTIALLY_FAILED || status === JobStatus.CANCELLED ? exitCodes.unsuccessful : exitCodes.ok;
}
