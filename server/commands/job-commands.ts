/**
 * Job commands: accept a job or a batch (committed before it is
 * acknowledged), cancel them. Idempotency keys work like PushEvent's
 * (idempotent-append.ts): a repeated key answers the original job or batch.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import type { DeliveryLease } from "../domain/delivery.js";
import { SwitchyardError, notFound, sequenceMismatch } from "../domain/errors.js";
import type { Actor, NewEvent, StoredEvent } from "../domain/events.js";
import {
  type Batch,
  type Job,
  acceptedBatch,
  type JobSpec,
  decideAcceptJob,
  decideCancelJob,
  decideStartAcceptedJob,
  evolveJob,
  terminalJobStatuses,
} from "../domain/job.js";
import { uuidV7 } from "../domain/ids.js";
import type { JobRunner } from "../engine/job-runner.js";
import type { Router } from "../engine/router.js";
import type { IdempotencyClaim, SequenceExpectation, Store } from "../store/store.js";
import { appendOnce } from "./idempotent-append.js";

/** What ExecuteJob asks for. */
export interface JobRequest {
  readonly function: string;
  readonly input: JsonObject;
  readonly async: boolean;
  readonly jobId?: string;
  readonly callbackUrl?: string;
  readonly includeResultSchema: boolean;
  readonly maxAttempts?: number;
}

/** What ExecuteBatch asks for. */
export interface BatchRequest {
  readonly items: readonly { readonly function: string; readonly input: JsonObject; readonly jobId?: string }[];
  readonly callbackUrl?: string;
  readonly includeResultSchema: boolean;
}

export interface JobCommandsDeps {
  readonly store: Store;
  readonly router: Pick<Router, "functionTargets">;
  readonly runner: Pick<JobRunner, "offerLease" | "admit" | "withdrawLease">;
  /** Attempts when a request does not say. */
  readonly defaultMaxAttempts: number;
}

type JobLease = { readonly jobId: string; readonly lease: DeliveryLease };

const jobScope = "execute_job";
const batchScope = "execute_batch";

/** `FAILED_PRECONDITION` (`function_not_bound`). */
export function functionNotBound(name: string, index?: number): SwitchyardError {
  const where = index === undefined ? "" : `items[${index}]: `;
  return new SwitchyardError("failed_precondition", "function_not_bound", `${where}no execution is bound to function ${JSON.stringify(name)}`, {
    function: name,
    ...(index === undefined ? {} : { field: `items[${index}].operation.function` }),
  });
}

function jobExists(id: string, index?: number): SwitchyardError {
  const where = index === undefined ? "" : `items[${index}]: `;
  return new SwitchyardError("already_exists", "job_exists", `${where}job ${JSON.stringify(id)} exists`, {
    job_id: id,
    ...(index === undefined ? {} : { field: `items[${index}].job_id` }),
  });
}

/** Creates the job commands. */
export function createJobCommands(deps: JobCommandsDeps) {
  const { store, router, runner } = deps;

  async function requireNewJobId(owner: string, id: string, index?: number): Promise<void> {
    if (await store.getJob(owner, id)) throw jobExists(id, index);
  }

  /**
   * Appends with the leases the runner gave (`jobLeases`); withdraws them when
   * the append fails.
   */
  async function appendJobs(
    actor: Actor,
    events: NewEvent[],
    jobIds: readonly string[],
    expectations: SequenceExpectation[],
    claim: IdempotencyClaim | undefined,
    jobLeases: readonly JobLease[],
  ): Promise<StoredEvent[]> {
    const owner = actor.resourceOwner;
    try {
      return await store.append({ actor, events, expectations, jobLeases, ...(claim ? { idempotency: claim } : {}) });
    } catch (error) {
      for (const { jobId } of jobLeases) runner.withdrawLease(owner, jobId);
      if (error instanceof SwitchyardError && error.reason === "concurrent_modification") {
        const taken = error.metadata.aggregate_id ?? "";
        throw jobExists(taken, jobIds.indexOf(taken) >= 0 && jobIds.length > 1 ? jobIds.indexOf(taken) : undefined);
      }
      throw error;
    }
  }

  const newJobExpectation = (id: string): SequenceExpectation => ({ aggregateType: "job", aggregateId: id, sequence: 0n });

  return {
    /**
     * Accepts a job (committed before this resolves); answers it as accepted,
     * or the original job of a repeated key. When the runner has no place for
     * it, waits for one first (see `JobRunner.admit`); `signal` ends that wait
     * with nothing accepted.
     */
    async executeJob(actor: Actor, request: JobRequest, idempotencyKey?: string, signal?: AbortSignal): Promise<Job> {
      const owner = actor.resourceOwner;
      const targets = router.functionTargets(owner, request.function);
      if (!targets) throw functionNotBound(request.function);
      const spec: JobSpec = {
        function: request.function,
        input: request.input,
        async: request.async,
        includeResultSchema: request.includeResultSchema,
        maxAttempts: request.maxAttempts ?? deps.defaultMaxAttempts,
        ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      };
      let accepted: Job | undefined;
      const id = await appendOnce(store, actor, { scope: jobScope, key: idempotencyKey, request }, async (claim) => {
        const jobId = request.jobId ?? uuidV7();
        if (request.jobId !== undefined) await requireNewJobId(owner, jobId);
        const lease = await runner.admit(owner, jobId, signal);
        const events = [decideAcceptJob(jobId, spec)];
        // A job with a place in the runner starts in the transaction that accepts it.
        if (lease && targets.length > 0) events.push(decideStartAcceptedJob(jobId, targets.length));
        const stored = await appendJobs(actor, events, [jobId], [newJobExpectation(jobId)], claim, lease ? [{ jobId, lease }] : []);
        accepted = evolveJob(undefined, stored[0]!);
        return jobId;
      }, (event) => event.aggregateId);
      // The job as its accept event made it, or the original of a repeated key.
      return accepted ?? (await store.getJob(owner, id))!;
    },

    /** Accepts a batch and all its jobs in one transaction; bad items are refused up front, naming their index. */
    async executeBatch(actor: Actor, request: BatchRequest, idempotencyKey?: string): Promise<Batch> {
      const owner = actor.resourceOwner;
      const targetCounts = request.items.map((item, index) => {
        const targets = router.functionTargets(owner, item.function);
        if (!targets) throw functionNotBound(item.function, index);
        return targets.length;
      });
      const seen = new Map<string, number>();
      for (const [index, item] of request.items.entries()) {
        if (item.jobId === undefined) continue;
        if (seen.has(item.jobId)) throw jobExists(item.jobId, index);
        seen.set(item.jobId, index);
        await requireNewJobId(owner, item.jobId, index);
      }
      let accepted: Batch | undefined;
      const id = await appendOnce(store, actor, { scope: batchScope, key: idempotencyKey, request }, async (claim) => {
        const batchId = uuidV7();
        const jobIds = request.items.map((item) => item.jobId ?? uuidV7());
        const events: NewEvent[] = [
          {
            aggregateType: "batch",
            aggregateId: batchId,
            type: "batch.accepted",
            payload: {
              total: request.items.length,
              includeResultSchema: request.includeResultSchema,
              ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
              ...(idempotencyKey ? { idempotencyKey } : {}),
            },
          },
          ...request.items.map((item, index) =>
            decideAcceptJob(jobIds[index]!, {
              function: item.function,
              input: item.input,
              async: true,
              includeResultSchema: request.includeResultSchema,
              maxAttempts: deps.defaultMaxAttempts,
              batchId,
              batchIndex: index,
            }),
          ),
        ];
        const expectations = [
          { aggregateType: "batch", aggregateId: batchId, sequence: 0n },
          ...jobIds.filter((_, index) => request.items[index]!.jobId !== undefined).map(newJobExpectation),
        ];
        // As many items as the runner has places for are leased to it and start in this transaction.
        const leases: JobLease[] = [];
        jobIds.forEach((jobId, index) => {
          const lease = runner.offerLease(owner, jobId);
          if (!lease) return;
          leases.push({ jobId, lease });
          if (targetCounts[index]! > 0) events.push(decideStartAcceptedJob(jobId, targetCounts[index]!));
        });
        const stored = await appendJobs(actor, events, jobIds, expectations, claim, leases);
        accepted = acceptedBatch(stored[0]!);
        return batchId;
      }, (event) => event.aggregateId);
      // The batch as accepted (its first jobs may have started in the same transaction), or the original of a repeated key.
      return accepted ?? (await store.getBatch(owner, id))!;
    },

    /** Cancels a job that has not finished; a running job's in-flight call is aborted. */
    async cancelJob(actor: Actor, id: string, expectedSequence?: bigint): Promise<Job> {
      const owner = actor.resourceOwner;
      const job = await store.getJob(owner, id);
      if (!job) throw notFound("job", id);
      if (expectedSequence !== undefined && expectedSequence !== job.details.sequence) {
        throw sequenceMismatch("job", id, expectedSequence, job.details.sequence);
      }
      const events = decideCancelJob(job);
      try {
        const stored = await store.append({
          actor,
          events,
          expectations: [{ aggregateType: "job", aggregateId: id, sequence: job.details.sequence }],
        });
        return stored.reduce<Job | undefined>((current, event) => evolveJob(current, event), job)!;
      } catch (error) {
        // The runner moved it on meanwhile (started, progressed or finished): decide again.
        if (expectedSequence === undefined && error instanceof SwitchyardError && error.reason === "concurrent_modification") {
          return this.cancelJob(actor, id);
        }
        throw error;
      }
    },

    /** Cancels every job of a batch that has not finished, and closes the batch as cancelled. */
    async cancelBatch(actor: Actor, id: string, expectedSequence?: bigint): Promise<Batch> {
      const owner = actor.resourceOwner;
      const batch = await store.getBatch(owner, id);
      if (!batch) throw notFound("batch", id);
      if (terminalJobStatuses.has(batch.status)) {
        throw new SwitchyardError("failed_precondition", "batch_finished", `batch ${JSON.stringify(id)} is already ${batch.status}`, {
          batch_id: id,
          status: batch.status,
        });
      }
      if (expectedSequence !== undefined && expectedSequence !== batch.details.sequence) {
        throw sequenceMismatch("batch", id, expectedSequence, batch.details.sequence);
      }
      // Closed first, so the runner never closes it as failed while its jobs are being cancelled.
      try {
        await store.append({
          actor,
          events: [{ aggregateType: "batch", aggregateId: id, type: "batch.completed", payload: { status: "cancelled" } }],
          expectations: [{ aggregateType: "batch", aggregateId: id, sequence: batch.details.sequence }],
        });
      } catch (error) {
        // The runner closed it as its last job ended; that close stands.
        if (!(error instanceof SwitchyardError && error.reason === "concurrent_modification")) throw error;
        return (await store.getBatch(owner, id))!;
      }
      const open = await store.listJobs(owner, { batchId: id, statuses: ["accepted", "running"] }, { offset: 0, limit: batch.total, asc: true });
      for (const job of open.items) {
        await this.cancelJob(actor, job.id).catch((error: unknown) => {
          // It finished meanwhile: nothing to cancel.
          if (!(error instanceof SwitchyardError && error.reason === "job_finished")) throw error;
        });
      }
      return (await store.getBatch(owner, id))!;
    },
  };
}

export type JobCommands = ReturnType<typeof createJobCommands>;
