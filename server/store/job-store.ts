/** The part of the Store that holds jobs and batches. */
import type { DeliveryLease } from "../domain/delivery.js";
import type { Actor, NewEvent } from "../domain/events.js";
import type { Batch, Job, JobStatus } from "../domain/job.js";
import type { Page, PageQuery } from "./queries.js";

/** Selects jobs; every set field must match. */
export interface JobFilter {
  /** Any of these. */
  readonly statuses?: readonly JobStatus[];
  readonly function?: string;
  readonly batchId?: string;
  /** created_at >= createdFrom. */
  readonly createdFrom?: Date;
  /** created_at < createdTo. */
  readonly createdTo?: Date;
}

/** The events that start a claimed job, appended in the claim's transaction, and who appends them. */
export interface ClaimStart {
  readonly actor: Actor;
  readonly events: readonly NewEvent[];
}

/**
 * Jobs and batches: projections of `job.*` / `batch.*` events plus the
 * runner's leases. Part of {@link Store}.
 */
export interface JobStore {
  getJob(owner: string, id: string): Promise<Job | undefined>;
  /** Jobs ordered by creation (then id); a batch's items ordered by their index when `filter.batchId` is set. */
  listJobs(owner: string, filter: JobFilter, page: PageQuery): Promise<Page<Job>>;
  getBatch(owner: string, id: string): Promise<Batch | undefined>;
  /**
   * Leases up to `limit` jobs (all owners) that are ready to run at `now`:
   * status accepted with next attempt <= now, or running with an expired
   * lease (their process died), with no lease or an expired one; oldest first.
   *
   * `start`, when given, is asked for each claimed job — synchronously, inside
   * the claim's transaction — for the events that start it; they are appended
   * in that transaction with an expectation on the job's sequence, and the
   * job is answered as they left it. Saves a run the commit of a start of its
   * own. Should one of them fail, nothing is claimed and the promise rejects.
   */
  claimDueJobs(now: Date, limit: number, lease: DeliveryLease, start?: (job: Job) => ClaimStart | undefined): Promise<Job[]>;
  /** Extends the leases `lease.owner` holds on these jobs to `lease.until` (heartbeat); answers the ids still held. */
  renewJobLeases(jobIds: readonly string[], lease: DeliveryLease): Promise<string[]>;
  /** Releases every job lease `leaseOwner` holds (graceful shutdown); answers how many. */
  releaseJobLeases(leaseOwner: string): Promise<number>;
  /** When the earliest accepted job becomes due (or a lease expires); undefined when none will. */
  nextJobDueAt(): Promise<Date | undefined>;
  /** Batches (all owners) not yet completed whose every job has ended: to close after a crash. */
  finishedOpenBatches(limit: number): Promise<Batch[]>;
  /** Counts jobs by status (all owners; batch items included), for metrics. */
  jobCounts(): Promise<Record<JobStatus, number>>;
  /** Deletes idempotency records created before `before`; answers how many. */
  pruneIdempotencyKeys(before: Date): Promise<number>;
}
