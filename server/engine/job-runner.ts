/**
 * The job runner: a worker pool that runs accepted jobs through their
 * function's chain.
 *
 * - Jobs this process accepts are leased to it in the accepting transaction
 *   (while it has room), so they start right after COMMIT. Everything else —
 *   batch items beyond the free places, retries that fell due, jobs of a
 *   process that died — is claimed by polling, and started in the claim's
 *   transaction.
 * - Admission (backpressure): when every place is taken, ExecuteJob waits for
 *   one, first come first served, for up to `admissionWaitMs` before it
 *   accepts the job anyway into the store's queue. Under sustained overload
 *   the callers slow down to the rate jobs finish, instead of a queue of
 *   accepted jobs growing — and every job's wait with it — without bound.
 * - Leases are renewed by a heartbeat while a job runs; a job whose process
 *   died is reclaimed once its lease expires and run again from the start
 *   (at-least-once).
 * - A cancel aborts the job's call in flight; a shutdown aborts the runs still
 *   going after the grace period and releases their leases.
 * - What one run does is job-run.ts.
 */
import type { Logger } from "pino";
import type { DeliveryLease } from "../domain/delivery.js";
import { type Job, evolveJob } from "../domain/job.js";
import type { Store } from "../store/store.js";
import type { Engine } from "./engine.js";
import { createAdmissionQueue } from "./admission-queue.js";
import { createJobCompletion } from "./job-completion.js";
import { claimedJobStart, createJobRun } from "./job-run.js";
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

/** A job to run; `startedEarly` when its accept or its claim already appended its start. */
type Run = { readonly job: Job; readonly startedEarly: boolean };

/** Creates the runner; call `start()`. */
export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { store, engine, logger } = options;
  const now = options.now ?? (() => new Date());
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
  const runJob = createJobRun({
    store,
    engine,
    completion,
    subject: systemSubject,
    stopReason: shutdownReason,
    backoffMs: options.backoffMs ?? 1000,
    maxBackoffMs: options.maxBackoffMs ?? 60_000,
    now,
  });
  const startClaimed = claimedJobStart(engine.router, systemSubject);
  // The sweep for batches whose closer died, at most once per poll interval: a
  // batch's own last job closes it, and under load a claim follows nearly every
  // commit (the sweep before each was ~3 % of the main thread in bench:jobs's batches).
  let sweptAt = Number.NEGATIVE_INFINITY;
  const sweepFinishedBatches = async (): Promise<void> => {
    const at = performance.now();
    if (at - sweptAt < options.pollMs) return;
    sweptAt = at;
    await completion.closeFinishedBatches();
  };
  const pool = createLeasePool<Run>({
    concurrency: options.concurrency,
    pollMs: options.pollMs,
    claim: async (limit) => {
      const at = now();
      // A claimed job is started in the claim's transaction: its run does not wait for a commit of its own.
      const started = new Set<string>();
      const claimed = await store.claimDueJobs(at, limit, { owner: workerId, until: new Date(at.getTime() + options.leaseMs) }, (job) => {
        const start = startClaimed(job);
        if (start && start.events.length > 0) started.add(key(job.details.resourceOwner, job.id));
        return start;
      });
      return claimed.map((job) => ({ job, startedEarly: started.has(key(job.details.resourceOwner, job.id)) }));
    },
    nextDueAt: () => store.nextJobDueAt(),
    beforeClaim: sweepFinishedBatches,
    onRoom: () => admission.serve(),
    work: async ({ job, startedEarly }) => {
      const id = key(job.details.resourceOwner, job.id);
      const abort = new AbortController();
      aborts.set(id, abort);
      try {
        const retryIn = await runJob(job, startedEarly, abort.signal, () => pool.ending(id));
        if (retryIn !== undefined) pool.wakeIn(retryIn);
      } finally {
        aborts.delete(id);
      }
    },
    key: ({ job }) => key(job.details.resourceOwner, job.id),
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
    if (accepted.size > 0) pool.push([...accepted.values()].map((job) => ({ job, startedEarly: job.status === "running" })));
  });

  async function renewLeases(): Promise<void> {
    if (aborts.size === 0) return;
    const ids = [...aborts.keys()].map((id) => id.slice(id.indexOf("\0") + 1));
    await store.renewJobLeases(ids, { owner: workerId, until: new Date(now().getTime() + options.leaseMs) });
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
