/** Helpers shared by the job and batch contract suites: jobs moved along with the domain's own decide functions. */
import type { JsonValue } from "@bufbuild/protobuf";
import type { DeliveryLease } from "../../server/domain/delivery.js";
import type { NewEvent } from "../../server/domain/events.js";
import {
  type BatchSpec,
  type Job,
  type JobSpec,
  type Progress,
  decideAcceptJob,
  decideCancelJob,
  decideFailJob,
  decideProgress,
  decideRetryJob,
  decideStartJob,
  decideSucceedJob,
  evolveJob,
} from "../../server/domain/job.js";
import type { Store } from "../../server/store/store.js";
import { actorOf, ownerA, page } from "./fixtures.js";

/** A job spec for function `enrich`. */
export function jobSpec(overrides: Partial<JobSpec> = {}): JobSpec {
  return { function: "enrich", input: { customer: 42 }, async: true, includeResultSchema: false, maxAttempts: 3, ...overrides };
}

/** Accepts job `id` as ExecuteJob would (expecting no job yet), optionally leased to a runner in the same append. */
export async function acceptJob(
  store: Store,
  id: string,
  spec: JobSpec = jobSpec(),
  options: { owner?: string; lease?: DeliveryLease } = {},
): Promise<Job> {
  const owner = options.owner ?? ownerA;
  await store.append({
    actor: actorOf(owner),
    events: [decideAcceptJob(id, spec)],
    expectations: [{ aggregateType: "job", aggregateId: id, sequence: 0n }],
    ...(options.lease ? { jobLeases: [{ jobId: id, lease: options.lease }] } : {}),
  });
  return (await store.getJob(owner, id))!;
}

/** Accepts batch `batchId` with `size` jobs `<batchId>-<index>` in one append, as ExecuteBatch would. */
export async function acceptBatch(store: Store, batchId: string, size: number, owner = ownerA): Promise<string[]> {
  const jobIds = Array.from({ length: size }, (_, index) => `${batchId}-${index}`);
  const spec: BatchSpec = { total: size, includeResultSchema: false, callbackUrl: "https://callback.example/batch" };
  await store.append({
    actor: actorOf(owner),
    events: [
      { aggregateType: "batch", aggregateId: batchId, type: "batch.accepted", payload: { ...spec } },
      ...jobIds.map((id, index) => decideAcceptJob(id, jobSpec({ batchId, batchIndex: index }))),
    ],
    expectations: [],
  });
  return jobIds;
}

/** Completes batch `batchId` with `status`. */
export async function completeBatch(store: Store, batchId: string, status: string, owner = ownerA): Promise<void> {
  await store.append({
    actor: actorOf(owner),
    events: [{ aggregateType: "batch", aggregateId: batchId, type: "batch.completed", payload: { status } }],
    expectations: [],
  });
}

/** Reads job `id`, decides with `decide`, appends expecting its sequence; answers the job as the store then holds it. */
export async function moveJob(store: Store, id: string, decide: (job: Job) => NewEvent[], owner = ownerA): Promise<Job> {
  const job = await store.getJob(owner, id);
  if (!job) throw new Error(`no job ${id}`);
  await store.append({
    actor: actorOf(owner),
    events: decide(job),
    expectations: [{ aggregateType: "job", aggregateId: id, sequence: job.details.sequence }],
  });
  return (await store.getJob(owner, id))!;
}

/** Progress of a job over `total` targets after `succeeded` of them succeeded and `failed` failed. */
export function progressOf(total: number, succeeded: number, failed = 0, running = 0): Progress {
  return { total, pending: total - succeeded - failed - running, running, succeeded, failed };
}

export const startJob = (store: Store, id: string, targets = 2, owner = ownerA) =>
  moveJob(store, id, (job) => decideStartJob(job, targets), owner);
export const progressJob = (store: Store, id: string, progress: Progress, owner = ownerA) =>
  moveJob(store, id, (job) => decideProgress(job, progress), owner);
export const succeedJob = (store: Store, id: string, result: JsonValue = { ok: true }, owner = ownerA) =>
  moveJob(store, id, (job) => decideSucceedJob(job, result, progressOf(job.progress.total, job.progress.total)), owner);
export const failJob = (store: Store, id: string, owner = ownerA) =>
  moveJob(store, id, (job) => decideFailJob(job, targetFailed, progressOf(job.progress.total, 0, job.progress.total)), owner);
export const retryJob = (store: Store, id: string, at: Date, owner = ownerA) =>
  moveJob(store, id, (job) => decideRetryJob(job, targetFailed, at), owner);
export const cancelJob = (store: Store, id: string, owner = ownerA) => moveJob(store, id, (job) => decideCancelJob(job), owner);

export const targetFailed = { code: "target_failed", message: "the target answered 503", targetId: "t1" };

/** Job `id` as `evolveJob` folds its stored events. */
export async function foldedJob(store: Store, id: string, owner = ownerA): Promise<Job | undefined> {
  const { items } = await store.listEvents(owner, { aggregateType: "job", aggregateId: id }, page({ limit: 1000 }));
  return items.reduce<Job | undefined>((job, event) => evolveJob(job, event), undefined);
}

/** Ids of jobs, in order. */
export function idsOf(jobs: readonly Job[]): string[] {
  return jobs.map((job) => job.id);
}
