/** JobService: run functions as jobs and batches, follow and cancel them, read their results. */
import { create, fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  CancelBatchResponseSchema,
  CancelJobResponseSchema,
  ExecuteBatchResponseSchema,
  ExecuteJobResponseSchema,
  GetBatchResponseSchema,
  GetJobResponseSchema,
  GetJobResultResponseSchema,
  JobService,
  ListBatchItemsResponseSchema,
  ListJobsResponseSchema,
  ResultFormat,
  WatchBatchResponseSchema,
  WatchJobResponseSchema,
} from "../../gen/switchyard/v1/job_pb.js";
import type { JobCommands } from "../commands/job-commands.js";
import { SwitchyardError, notFound } from "../domain/errors.js";
import type { StoredEvent } from "../domain/events.js";
import { type Batch, type Job, evolveJob, resultSchemaOf, resultXml, terminalJobStatuses } from "../domain/job.js";
import type { Store } from "../store/store.js";
import { createAsyncQueue, createChangeSignal } from "./async-queue.js";
import { actorOf } from "./context.js";
import { idempotencyKeyOf } from "./idempotency-key.js";
import { pageFromProto, paginationToProto, timeRangeFromProto } from "./mappers/common.js";
import { batchToProto, jobStatusesFromProto, jobToProto, resultTable } from "./mappers/job-mapper.js";

export interface JobServiceDeps {
  readonly store: Store;
  readonly commands: JobCommands;
  /** Aborts when the server shuts down: open watches then end cleanly. */
  readonly shutdownSignal: AbortSignal;
}

/** Creates the JobService implementation. */
export function createJobService(deps: JobServiceDeps): ServiceImpl<typeof JobService> {
  const { store, commands, shutdownSignal } = deps;

  async function requireJob(owner: string, id: string): Promise<Job> {
    const job = await store.getJob(owner, id);
    if (!job) throw notFound("job", id);
    return job;
  }

  async function requireBatch(owner: string, id: string): Promise<Batch> {
    const batch = await store.getBatch(owner, id);
    if (!batch) throw notFound("batch", id);
    return batch;
  }

  /**
   * The job's state, then each change until it ends: subscribes first, reads
   * the current state, then folds the events that follow it.
   */
  async function* followJob(owner: string, id: string, signal: AbortSignal): AsyncGenerator<Job> {
    const queue = createAsyncQueue<StoredEvent>(100_000);
    const unsubscribe = store.subscribe((events) => {
      for (const event of events) if (event.aggregateType === "job" && event.aggregateId === id && event.resourceOwner === owner) queue.push(event);
    });
    try {
      let job = await requireJob(owner, id);
      yield job;
      if (terminalJobStatuses.has(job.status)) return;
      for await (const event of queue.drain(AbortSignal.any([signal, shutdownSignal]))) {
        if (event.sequence <= job.details.sequence) continue;
        job = evolveJob(job, event)!;
        yield job;
        if (terminalJobStatuses.has(job.status)) return;
      }
    } finally {
      unsubscribe();
    }
  }

  return {
    async executeJob(request, context) {
      const actor = actorOf(context);
      const key = idempotencyKeyOf(request.idempotencyKey, context.requestHeader);
      const operation = request.operation!;
      const accepted = await commands.executeJob(
        actor,
        {
          function: operation.function,
          input: operation.input ?? {},
          async: request.async ?? true,
          includeResultSchema: request.includeResultSchema,
          ...(request.jobId !== undefined ? { jobId: request.jobId } : {}),
          ...(request.callbackUrl !== undefined ? { callbackUrl: request.callbackUrl } : {}),
          ...(request.maxAttempts !== undefined ? { maxAttempts: request.maxAttempts } : {}),
        },
        key,
        context.signal,
      );
      if (request.async ?? true) return create(ExecuteJobResponseSchema, { job: jobToProto(accepted) });
      let finished = accepted;
      for await (const job of followJob(actor.resourceOwner, accepted.id, context.signal)) finished = job;
      if (!terminalJobStatuses.has(finished.status)) {
        throw new SwitchyardError("unavailable", "server_shutting_down", `the server is shutting down; job ${finished.id} goes on, follow it with WatchJob`, {
          job_id: finished.id,
        });
      }
      return create(ExecuteJobResponseSchema, { job: jobToProto(finished) });
    },

    async getJob(request, context) {
      return create(GetJobResponseSchema, { job: jobToProto(await requireJob(actorOf(context).resourceOwner, request.id)) });
    },

    async getJobResult(request, context) {
      const job = await requireJob(actorOf(context).resourceOwner, request.id);
      if (job.status !== "succeeded") {
        throw new SwitchyardError("failed_precondition", "job_has_no_result", `job ${JSON.stringify(job.id)} is ${job.status}; only a succeeded job has a result`, {
          job_id: job.id,
          status: job.status,
        });
      }
      const result = job.result ?? null;
      switch (request.format) {
        case ResultFormat.TABLE: {
          const columns = job.resultSchema ?? resultSchemaOf(result);
          if (!columns) {
            throw new SwitchyardError("failed_precondition", "result_not_tabular", "the result is not a list of flat records", { job_id: job.id });
          }
          return create(GetJobResultResponseSchema, { result: { case: "table", value: resultTable(result, columns) } });
        }
        case ResultFormat.XML:
          return create(GetJobResultResponseSchema, { result: { case: "xml", value: resultXml(result) } });
        default:
          return create(GetJobResultResponseSchema, { result: { case: "json", value: fromJson(ValueSchema, result) } });
      }
    },

    async listJobs(request, context) {
      const page = pageFromProto(request.pagination);
      const result = await store.listJobs(
        actorOf(context).resourceOwner,
        {
          ...(request.statuses.length > 0 ? { statuses: jobStatusesFromProto(request.statuses) } : {}),
          ...(request.function !== undefined ? { function: request.function } : {}),
          ...timeRangeFromProto(request.created),
        },
        page,
      );
      return create(ListJobsResponseSchema, { pagination: paginationToProto(result, page), jobs: result.items.map(jobToProto) });
    },

    async cancelJob(request, context) {
      const job = await commands.cancelJob(actorOf(context), request.id, request.expectedSequence);
      return create(CancelJobResponseSchema, { job: jobToProto(job) });
    },

    async *watchJob(request, context) {
      for await (const job of followJob(actorOf(context).resourceOwner, request.id, context.signal)) {
        yield create(WatchJobResponseSchema, { job: jobToProto(job) });
      }
    },

    async executeBatch(request, context) {
      const key = idempotencyKeyOf(request.idempotencyKey, context.requestHeader);
      const batch = await commands.executeBatch(
        actorOf(context),
        {
          items: request.items.map((item) => ({
            function: item.operation!.function,
            input: item.operation!.input ?? {},
            ...(item.jobId !== undefined ? { jobId: item.jobId } : {}),
          })),
          includeResultSchema: request.includeResultSchema,
          ...(request.callbackUrl !== undefined ? { callbackUrl: request.callbackUrl } : {}),
        },
        key,
      );
      return create(ExecuteBatchResponseSchema, { batch: batchToProto(batch) });
    },

    async getBatch(request, context) {
      return create(GetBatchResponseSchema, { batch: batchToProto(await requireBatch(actorOf(context).resourceOwner, request.id)) });
    },

    async listBatchItems(request, context) {
      const owner = actorOf(context).resourceOwner;
      await requireBatch(owner, request.batchId);
      const page = pageFromProto(request.pagination);
      const result = await store.listJobs(
        owner,
        { batchId: request.batchId, ...(request.statuses.length > 0 ? { statuses: jobStatusesFromProto(request.statuses) } : {}) },
        { ...page, asc: request.pagination?.asc ?? true },
      );
      return create(ListBatchItemsResponseSchema, {
        pagination: paginationToProto(result, page),
        items: result.items.map((job) => ({ index: job.batchIndex ?? 0, job: jobToProto(job) })),
      });
    },

    async cancelBatch(request, context) {
      const batch = await commands.cancelBatch(actorOf(context), request.id, request.expectedSequence);
      return create(CancelBatchResponseSchema, { batch: batchToProto(batch) });
    },

    /** The batch's state, then every change of status or progress until it ends. */
    async *watchBatch(request, context) {
      const owner = actorOf(context).resourceOwner;
      // Job events do not say their batch, so any job event of the owner may have moved it: the
      // batch is read again after each burst of them (not after each one; a batch of 1,000 jobs
      // makes thousands).
      const changed = createChangeSignal();
      const unsubscribe = store.subscribe((events) => {
        if (events.some((event) => event.resourceOwner === owner && (event.aggregateType === "job" || event.aggregateId === request.id))) changed.raise();
      });
      try {
        let batch = await requireBatch(owner, request.id);
        yield create(WatchBatchResponseSchema, { batch: batchToProto(batch) });
        if (terminalJobStatuses.has(batch.status)) return;
        for await (const _ of changed.changes(AbortSignal.any([context.signal, shutdownSignal]))) {
          const next = await requireBatch(owner, request.id);
          if (next.details.sequence === batch.details.sequence && sameProgress(next, batch)) continue;
          batch = next;
          yield create(WatchBatchResponseSchema, { batch: batchToProto(batch) });
          if (terminalJobStatuses.has(batch.status)) return;
        }
      } finally {
        unsubscribe();
      }
    },
  };
}

function sameProgress(a: Batch, b: Batch): boolean {
  return (
    a.status === b.status &&
    a.progress.pending === b.progress.pending &&
    a.progress.running === b.progress.running &&
    a.progress.succeeded === b.progress.succeeded &&
    a.progress.failed === b.progress.failed
  );
}
