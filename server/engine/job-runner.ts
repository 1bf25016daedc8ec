/**
 * The job runner: a worker pool that runs accepted jobs through their
 * function's chain.
 *
 * - Jobs this process accepts are leased to it in the accepting transaction
 *   (while it has room), so they start right after COMMIT. Everything else —
 *   retries that fell due, jobs of a process that died — is claimed by polling.
 * - Admission (backpressure): when every place is taken, ExecuteJob waits for
 *   one, first come first served, for up to `admissionWaitMs` before it
 *   accepts the job anyway into the store's queue. Under sustained overload
 *   the callers slow down to the rate jobs finish, instead of a queue of
 *   accepted jobs growing — and every job's wait with it — without bound.
 * - Leases are renewed by a heartbeat while a job runs; a job whose process
 *   died is reclaimed once its lease expires and run again from the start
 *   (at-least-once; every step keeps its `webhook-id`, derived from the job id
 *   and the step index, so receivers can deduplicate).
 * - A retryable failure (network error, timeout, 5xx, 429) of an interrupting
 *   step schedules another attempt with exponential backoff until
 *   `maxAttempts`; anything else fails the job.
 * - Every transition is appended with an expectation on the job's sequence,
 *   so a concurrent CancelJob wins cleanly; a cancel aborts the in-flight call.
 * - A job's end writes its callback and closes its batch (job-completion.ts).
 */
import { createHash } from "node:crypto";
import type { JsonValue } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { DeliveryLease, NewDelivery } from "../domain/delivery.js";
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
import type { Store } from "../store/store.js";
import type { StepFailure } from "./chain.js";
import type { Engine } from "./engine.js";
import { createAdmissionQueue } from "./admission-queue.js";
import { createJobCompletion } from "./job-completion.js";
import { createLeasePool, newWorkerId } from "./lease-pool.js";

export interface JobRunnerOptions {
  readonly store: Store;
  readonly engine: Pick<Engine, "router" | "runChain">;
  /** Most jobs running at once in this process. */
  readonly concurrency: number;
  /** How long a lease lasts without a heartbeat. */
  readonly leaseMs: number;
  readonly pollMs: number;
  /** Longest an accept waits for a place before the job is queued in the store (0: never waits). */
  readonly admissionWaitMs?: number;
  /** First retry wait; doubles per attempt (±20 % jitter), at most `maxBackoffMs`. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

export interface JobRunner {
  /** The lease owner of this process. */
  readonly workerId: string;
  /** A lease for a job about to be accepted by this process, when it has room to start it at once. */
  offerLease(owner: string, jobId: string): DeliveryLease | undefined;
  /**
   * A lease like `offerLease`, but when every place is taken, waits (behind
   * earlier waiters) up to `admissionWaitMs` for one; undefined when none came
   * free in time or the runner stopped. Rejects with `signal`'s reason when it
   * aborts first (the caller gave up: nothing is accepted).
   */
  admit(owner: string, jobId: string, signal?: AbortSignal): Promise<DeliveryLease | undefined>;
  /** Forgets a lease offered for an accept that failed. */
  withdrawLease(owner: string, jobId: string): void;
  start(): void;
  /** Stops taking jobs, lets running ones finish for up to `graceMs`, aborts the rest and releases the leases. */
  stop(graceMs: number): Promise<void>;
  stats(): { running: number; queued: number; admitting: number };
}

const systemSubject = "system:runner";

/** The `webhook-id` of step `index` of job `jobId`: the same in every attempt. */
export function jobStepMessageId(owner: string, jobId: string, index: number): string {
  return `msg_${createHash("sha256").update(`${owner}\0${jobId}\0${index}`).digest("hex").slice(0, 32)}`;
}

/** Whether a failed interrupting step is worth another attempt. */
export function retryable(failure: StepFailure): boolean {
  if (failure.forwarded) return false;
  if (failure.code === "network" || failure.code === "timeout" || failure.code === "circuit_open") return true;
  const status = failure.httpStatus ?? 0;
  return status === 429 || status >= 500;
}

/** Creates the runner; call `start()`. */
export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { store, engine, logger } = options;
  const now = options.now ?? (() => new Date());
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const workerId = newWorkerId();
  /** Jobs offered a lease whose accept has not been heard yet. */
  const reserved = new Set<string>();
  /** Aborts of the jobs working now, by owner-qualified id. */
  const aborts = new Map<string, AbortController>();
  /** The abort reason of the jobs a shutdown stops (their leases are released; another run resumes them). */
  const shutdownReason = new Error("the runner is shutting down");
  let started = false;
  let heartbeat: NodeJS.Timeout | undefined;

  const key = (owner: string, id: string) => `${owner}\0${id}`;
  const completion = createJobCompletion({ store, subject: systemSubject });
  const pool = createLeasePool<Job>({
    concurrency: options.concurrency,
    pollMs: options.pollMs,
    claim: (limit) => {
      const at = now();
      return store.claimDueJobs(at, limit, { owner: workerId, until: new Date(at.getTime() + options.leaseMs) });
    },
    nextDueAt: () => store.nextJobDueAt(),
    beforeClaim: () => completion.closeFinishedBatches(),
    onRoom: () => admission.serve(),
    work: async (job) => {
      const id = key(job.details.resourceOwner, job.id);
      const abort = new AbortController();
      aborts.set(id, abort);
      try {
        await run(job, abort.signal);
      } finally {
        aborts.delete(id);
      }
    },
    key: (job) => key(job.details.resourceOwner, job.id),
    reserved: () => reserved.size,
    noun: "job run",
    ...(logger ? { logger } : {}),
    now,
  });

  function reserve(owner: string, jobId: string): DeliveryLease | undefined {
    if (!started || pool.room() <= 0 || pool.backlogged()) return undefined;
    reserved.add(key(owner, jobId));
    return { owner: workerId, until: new Date(now().getTime() + options.leaseMs) };
  }

  /** A job about to be accepted without a lease: claim it as soon as a place frees. */
  function leftInStore(): void {
    if (started) pool.leftInStore();
  }

  /** Accepts waiting for a place. */
  const admission = createAdmissionQueue<{ owner: string; jobId: string }, DeliveryLease>({
    waitMs: options.admissionWaitMs ?? 0,
    tryTake: ({ owner, jobId }) => reserve(owner, jobId),
    gaveUp: leftInStore,
  });

  /** Jobs whose accept also started them (they had a place here): their run appends no start. */
  const startedOnAccept = new WeakSet<Job>();

  const unsubscribe = store.subscribe((events) => {
    const accepted = new Map<string, Job>();
    for (const event of events) {
      if (event.aggregateType !== "job") continue;
      const id = key(event.resourceOwner, event.aggregateId);
      const acceptedHere = accepted.get(id);
      if (event.type === "job.accepted" && reserved.delete(id)) {
        const job = evolveJob(undefined, event);
        if (job) accepted.set(id, job);
      } else if (acceptedHere) {
        // Its start, in the same append.
        accepted.set(id, evolveJob(acceptedHere, event) ?? acceptedHere);
      } else if (event.type === "job.cancelled") {
        aborts.get(id)?.abort();
      }
    }
    if (accepted.size === 0) return;
    for (const job of accepted.values()) if (job.status === "running") startedOnAccept.add(job);
    pool.push([...accepted.values()]);
  });

  async function renewLeases(): Promise<void> {
    if (aborts.size === 0) return;
    const ids = [...aborts.keys()].map((id) => id.slice(id.indexOf("\0") + 1));
    await store.renewJobLeases(ids, { owner: workerId, until: new Date(now().getTime() + options.leaseMs) });
  }

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

  /**
   * Runs a job as it came from the claim's own transaction or from its accept
   * event, so it is current without another read; should it move on meanwhile
   * (a cancel), the next transition's sequence expectation notices.
   */
  async function run(fresh: Job, signal: AbortSignal): Promise<void> {
    const owner = fresh.details.resourceOwner;
    if (terminalJobStatuses.has(fresh.status)) return;
    const targets = engine.router.functionTargets(owner, fresh.function);
    if (!targets || targets.length === 0) {
      const error = { code: "function_not_bound", message: `no execution is bound to function ${JSON.stringify(fresh.function)}` };
      await finish(fresh, decideFailJob(fresh, error, fresh.progress), { error });
      return;
    }
    let job: Job | undefined = fresh;
    if (!startedOnAccept.has(fresh)) job = await transition(fresh, decideStartJob(fresh, targets.length));
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
    if (signal.reason === shutdownReason) return; // shutting down: the lease is released, another run resumes it
    if (outcome.interrupted) {
      const failure = outcome.interrupted;
      const error: JobError = { code: failure.code === "forwarded" ? "target_failed" : failure.code, message: failure.message, targetId: failure.targetId };
      const finalProgress = { ...progress, running: 0 };
      if (retryable(failure) && job.attempts < job.maxAttempts) {
        const wait = Math.min(maxBackoffMs, backoffMs * 2 ** (job.attempts - 1)) * (0.8 + 0.4 * Math.random());
        await transition(job, decideRetryJob(job, error, new Date(now().getTime() + wait)));
        pool.wakeIn(wait);
        return;
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

  return {
    workerId,
    offerLease(owner, jobId) {
      // Not ahead of accepts that wait for a place.
      const lease = admission.waiting() ? undefined : reserve(owner, jobId);
      if (!lease) leftInStore();
      return lease;
    },
    admit(owner, jobId, signal) {
      signal?.throwIfAborted();
      // A stopped runner takes no place: the job goes to the store's queue at once.
      return started ? admission.take({ owner, jobId }, signal) : Promise.resolve(undefined);
    },
    withdrawLease(owner, jobId) {
      if (reserved.delete(key(owner, jobId))) admission.serve();
    },
    start() {
      if (started) return;
      started = true;
      const renew = () => void renewLeases().catch((error: unknown) => logger?.error({ err: error }, "renewing job leases failed"));
      heartbeat = setInterval(renew, Math.max(50, options.leaseMs / 3));
      heartbeat.unref();
      pool.start();
    },
    async stop(graceMs) {
      started = false;
      // Accepted into the store's queue, for whichever process runs next.
      admission.clear();
      if (heartbeat) clearInterval(heartbeat);
      unsubscribe();
      const { drained } = await pool.stop(graceMs);
      for (const abort of aborts.values()) abort.abort(shutdownReason);
      await drained;
      const released = await store.releaseJobLeases(workerId);
      if (released > 0) logger?.info({ released }, "released job leases");
    },
    stats: () => {
      const { working, queued } = pool.stats();
      return { running: working, queued, admitting: admission.size };
    },
  };
}
