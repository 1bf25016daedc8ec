/**
 * One run of one job: start it (unless its accept already did), call
 * its function's targets in order, then retry, fail or succeed it.
 *
 * - A retryable failure (network error, timeout, 5xx, 429) of an interrupting
 *   step schedules another attempt with exponential backoff until
 *   `maxAttempts`; anything else fails the job.
 * - Every transition is appended with an expectation on the job's sequence,
 *   so a concurrent CancelJob wins cleanly (the runner aborts the call).
 * - Every step keeps its `webhook-id` across attempts, derived from the job id
 *   and the step index, so receivers can deduplicate a re-run.
 * - A job's end writes its callback and closes its batch (job-completion.ts).
 */
import { hash } from "node:crypto";
import type { JsonValue } from "@bufbuild/protobuf";
import type { NewDelivery } from "../domain/delivery.js";
import { SwitchyardError } from "../domain/errors.js";
import type { Actor, NewEvent } from "../domain/events.js";
import {
  type Job,
  type JobError,
  type Progress,
  decideFailJob,
  decideProgress,
  decideRetryJob,
  decideStartJob,
  decideSucceedJob,
  evolveJob,
  startingProgress,
  terminalJobStatuses,
} from "../domain/job.js";
import type { ClaimStart } from "../store/job-store.js";
import type { Store } from "../store/store.js";
import type { StepFailure } from "./chain.js";
import type { Engine } from "./engine.js";
import type { JobCompletion } from "./job-completion.js";

export interface JobRunOptions {
  readonly store: Store;
  readonly engine: Pick<Engine, "router" | "runChain">;
  readonly completion: JobCompletion;
  /** Who appends the transitions. */
  readonly subject: string;
  /** The abort reason of a run stopped by a shutdown: the job is left as it is, for another run. */
  readonly stopReason: unknown;
  /** First retry wait; doubles per attempt (±20 % jitter), at most `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly now: () => Date;
}

/**
 * Runs `fresh`, the job as its accept or claim left it (so it is current
 * without another read). `startedEarly`: its `job.started` is already
 * appended. `signal` aborts the call in flight. `ending` is called right
 * before the run queues its last write (the job's end, or its retry), so the
 * runner can claim the next job into the same commit. Answers the wait before
 * the retry it scheduled, if it did.
 */
export type RunJob = (fresh: Job, startedEarly: boolean, signal: AbortSignal, ending?: () => void) => Promise<number | undefined>;

/** The `webhook-id` of step `index` of job `jobId`: the same in every attempt. */
export function jobStepMessageId(owner: string, jobId: string, index: number): string {
  // One-shot hash(): a createHash object per step cost several times more.
  return `msg_${hash("sha256", `${owner}\0${jobId}\0${index}`, "hex").slice(0, 32)}`;
}

/**
 * What a run would append first for a job claimed from the store — its
 * `job.started` — for the claim to append in its own transaction (see
 * `claimDueJobs`). Nothing for a job whose function has no targets: its run
 * fails it.
 */
export function claimedJobStart(router: Engine["router"], subject: string): (job: Job) => ClaimStart | undefined {
  return (job) => {
    const owner = job.details.resourceOwner;
    const targets = router.functionTargets(owner, job.function);
    if (!targets || targets.length === 0) return undefined;
    return { actor: { resourceOwner: owner, subject }, events: decideStartJob(job, targets.length) };
  };
}

/** Whether a failed interrupting step is worth another attempt. */
export function retryable(failure: StepFailure): boolean {
  if (failure.forwarded) return false;
  if (failure.code === "network" || failure.code === "timeout" || failure.code === "circuit_open") return true;
  const status = failure.httpStatus ?? 0;
  return status === 429 || status >= 500;
}

/** Creates the run of a job. */
export function createJobRun(options: JobRunOptions): RunJob {
  const { store, engine, completion, subject: systemSubject, now, backoffMs, maxBackoffMs } = options;

  /** Appends `events` for `job` if it is still at `job`'s sequence; answers the job after them, or undefined when it moved on (cancelled). */
  async function transition(job: Job, events: NewEvent[], extra: { deliveries?: NewDelivery[] } = {}): Promise<Job | undefined> {
    if (events.length === 0) return job;
    const actor: Actor = { resourceOwner: job.details.resourceOwner, subject: systemSubject };
    try {
      const stored = await store.append({
        actor,
        events,
        expectations: [{ aggregateType: "job", aggregateId: job.id, sequence: job.details.sequence }],
        ...(extra.deliveries ? { deliveries: extra.deliveries } : {}),
      });
      return stored.reduce<Job | undefined>((current, event) => evolveJob(current, event), job);
    } catch (error) {
      if (error instanceof SwitchyardError && error.reason === "concurrent_modification") return undefined;
      throw error;
    }
  }

  /** Should the job move on meanwhile (a cancel), the next transition's sequence expectation notices. */
  async function run(fresh: Job, startedEarly: boolean, signal: AbortSignal, ending?: () => void): Promise<number | undefined> {
    const owner = fresh.details.resourceOwner;
    if (terminalJobStatuses.has(fresh.status)) return;
    const targets = engine.router.functionTargets(owner, fresh.function);
    if (!targets || targets.length === 0) {
      const error = { code: "function_not_bound", message: `no execution is bound to function ${JSON.stringify(fresh.function)}` };
      await finish(fresh, decideFailJob(fresh, error, fresh.progress), { error });
      return;
    }
    let job: Job | undefined = fresh;
    if (!startedEarly) job = await transition(fresh, decideStartJob(fresh, targets.length));
    else if (fresh.progress.total !== targets.length) {
      // The function's execution changed between the accept and now: count the steps that will run.
      job = await transition(fresh, decideProgress(fresh, startingProgress(targets.length)));
    }
    if (!job) return;
    let progress: Progress = job.progress;
    const outcome = await engine.runChain({
      actor: { resourceOwner: owner, subject: systemSubject },
      targets,
      payload: job.input,
      envelope: (payload) => ({ function: fresh.function, jobId: fresh.id, input: payload }),
      messageId: (_target, index) => jobStepMessageId(owner, fresh.id, index),
      signal,
      onStep: async (index, failure) => {
        const last = index === targets.length - 1;
        progress = {
          ...progress,
          running: last ? 0 : 1,
          pending: Math.max(0, progress.pending - (last ? 0 : 1)),
          succeeded: progress.succeeded + (failure ? 0 : 1),
          failed: progress.failed + (failure ? 1 : 0),
        };
        if (last || !job) return;
        job = await transition(job, decideProgress(job, progress));
      },
    });
    if (!job) return; // cancelled meanwhile
    if (signal.reason === options.stopReason) return; // shutting down: the lease is released, another run resumes it
    ending?.(); // what follows is the run's last write: its end, or its retry
    if (outcome.interrupted) {
      const failure = outcome.interrupted;
      const error: JobError = { code: failure.code === "forwarded" ? "target_failed" : failure.code, message: failure.message, targetId: failure.targetId };
      const finalProgress = { ...progress, running: 0 };
      if (retryable(failure) && job.attempts < job.maxAttempts) {
        const wait = Math.min(maxBackoffMs, backoffMs * 2 ** (job.attempts - 1)) * (0.8 + 0.4 * Math.random());
        await transition(job, decideRetryJob(job, error, new Date(now().getTime() + wait)));
        return wait;
      }
      await finish(job, decideFailJob(job, error, finalProgress), { error });
      return;
    }
    await finish(job, decideSucceedJob(job, outcome.payload, progress), { output: outcome.payload });
  }

  /** Appends the final event with the job's callback, then closes its batch when it was the last one. */
  async function finish(job: Job, events: NewEvent[], result: { output?: JsonValue; error?: JobError }): Promise<void> {
    const status = events[0]?.type.slice("job.".length) ?? "failed";
    const finished = await transition(job, events, { deliveries: completion.jobCallbacks(job, status, result) });
    if (finished?.batchId) await completion.closeBatch(finished.details.resourceOwner, finished.batchId);
  }

  return run;
}
