/**
 * What happens when jobs end: a job's callback, written in the same
 * transaction as its final event, and closing its batch once the last job has
 * ended (`batch.completed`, with the batch's callback). Batches whose closer
 * died are closed by the next poll (`closeFinishedBatches`).
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { type NewDelivery, newDeliveryId } from "../domain/delivery.js";
import { SwitchyardError } from "../domain/errors.js";
import type { Actor } from "../domain/events.js";
import { type Job, type JobError, batchOutcome, terminalJobStatuses } from "../domain/job.js";
import type { Store } from "../store/store.js";

export interface JobCompletion {
  /** The callback delivery of `job` ending with `status`, if it has a callback URL. */
  jobCallbacks(job: Job, status: string, result: { output?: JsonValue; error?: JobError }): NewDelivery[];
  /**
   * Closes the batch when none of its jobs is pending or running any more; a
   * no-op otherwise. Calls for one batch in the same turn of the event loop
   * (its jobs that ended in one group commit) share one check, made in the
   * next turn.
   */
  closeBatch(owner: string, batchId: string): Promise<void>;
  /** Closes batches whose last job ended in a process that died before closing them. */
  closeFinishedBatches(): Promise<void>;
}

/** Creates the completion steps; `subject` is who appends `batch.completed`. */
export function createJobCompletion(options: { store: Store; subject: string }): JobCompletion {
  const { store } = options;

  const batchKey = (owner: string, batchId: string) => `${owner}\0${batchId}`;
  /** Checks not made yet, by owner-qualified batch id. */
  const checks = new Map<string, Promise<void>>();
  /**
   * Closes under way, by owner-qualified batch id. A job's check and a poll's
   * sweep may find the same batch finished in one turn; a second close would
   * only fail on the first one's expectation, and take the whole group commit
   * it was part of through a second run. It waits for the first instead. A
   * close that finds the batch still open ends within the turn it began (its
   * read is synchronous), so a later check is never folded into a stale one.
   */
  const closing = new Map<string, Promise<void>>();

  function closeOnce(owner: string, batchId: string): Promise<void> {
    const key = batchKey(owner, batchId);
    let close = closing.get(key);
    if (!close) {
      close = closeBatch(owner, batchId).finally(() => closing.delete(key));
      closing.set(key, close);
    }
    return close;
  }

  function closeBatchSoon(owner: string, batchId: string): Promise<void> {
    const key = batchKey(owner, batchId);
    let check = checks.get(key);
    if (!check) {
      check = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // A job of the batch that ends from now on needs a check of its own.
        checks.delete(key);
        return closeOnce(owner, batchId);
      });
      checks.set(key, check);
    }
    return check;
  }

  async function closeBatch(owner: string, batchId: string): Promise<void> {
    const batch = await store.getBatch(owner, batchId);
    if (!batch || terminalJobStatuses.has(batch.status)) return;
    const status = batchOutcome(batch.progress);
    if (!status) return;
    const deliveries: NewDelivery[] = [];
    if (batch.callbackUrl) {
      const items = await store.listJobs(owner, { batchId }, { offset: 0, limit: batch.total, asc: true });
      const results = items.items.map((item) => resultEntry(item, item.error ? { error: item.error } : { output: item.result ?? null }));
      deliveries.push(callbackDelivery(batch.callbackUrl, { batchId }, status, results));
    }
    const actor: Actor = { resourceOwner: owner, subject: options.subject };
    try {
      await store.append({
        actor,
        events: [{ aggregateType: "batch", aggregateId: batchId, type: "batch.completed", payload: { status } }],
        expectations: [{ aggregateType: "batch", aggregateId: batchId, sequence: batch.details.sequence }],
        deliveries,
      });
    } catch (error) {
      // Another runner closed it first.
      if (!(error instanceof SwitchyardError && error.reason === "concurrent_modification")) throw error;
    }
  }

  return {
    jobCallbacks: (job, status, result) => (job.callbackUrl ? [callbackDelivery(job.callbackUrl, { jobId: job.id }, status, [resultEntry(job, result)])] : []),
    closeBatch: closeBatchSoon,
    async closeFinishedBatches() {
      for (const batch of await store.finishedOpenBatches(100)) await closeOnce(batch.details.resourceOwner, batch.id);
    },
  };
}

/** One job in a callback body: its function and input, and its output or error. */
function resultEntry(job: Pick<Job, "function" | "input">, result: { output?: JsonValue; error?: JobError }): JsonObject {
  const base: JsonObject = { function: job.function, input: job.input };
  return result.error ? { ...base, error: { ...result.error } as JsonObject } : { ...base, output: result.output ?? null };
}

function callbackDelivery(url: string, about: { jobId: string } | { batchId: string }, status: string, results: JsonObject[]): NewDelivery {
  return { id: newDeliveryId(), kind: "callback", endpoint: url, ...about, body: JSON.stringify({ ...about, status, results }) };
}
