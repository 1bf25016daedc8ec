/**
 * One job, live: WatchJob streams its status and progress until it ends;
 * then its result (JSON, table, XML) and its deliveries (callbacks, async calls).
 */
import { type Job, JobStatus, isTerminalStatus, waitForJob } from "../../../client/index.js";
import { api } from "../api.js";
import { showCancelAction } from "../components/cancel-action.js";
import { progressBar } from "../components/progress.js";
import { resultView } from "../components/result-view.js";
import { announce, h, replaceChildren } from "../dom.js";
import { showInlineError } from "../errors.js";
import { jsonBlock, statusBadge, timeCell } from "../format.js";
import type { PageContext } from "../router.js";
import { deliveriesTable } from "./delivery-table.js";

/** `/jobs/:id` */
export async function jobDetailPage({ view, params, signal }: PageContext): Promise<void> {
  const id = params.id!;
  const summary = h("div", { "aria-live": "polite", "aria-atomic": "false" });
  const actions = h("div", { class: "form-actions" });
  const result = h("section", { "aria-labelledby": "result-title" });
  const deliveries = h("section", { "aria-labelledby": "deliveries-title" });
  view.append(h("h1", null, "Job ", h("code", null, id)), summary, actions, result, deliveries);
  let shownTerminal = false;

  const update = (job: Job) => {
    replaceChildren(summary, jobSummary(job));
    const terminal = isTerminalStatus(job.status);
    showCancelAction(actions, "Cancel job", terminal, () => api.jobs.cancelJob({ id, expectedSequence: job.details?.sequence }));
    if (!terminal || shownTerminal) return;
    shownTerminal = true;
    announce(`Job ${JobStatus[job.status].toLowerCase()}`);
    if (job.status === JobStatus.SUCCEEDED) replaceChildren(result, h("h2", { id: "result-title" }, "Result"), resultView(job));
    void showDeliveries(deliveries, id, signal);
  };

  const first = await api.jobs.getJob({ id }, { signal });
  if (first.job) update(first.job);
  if (first.job && isTerminalStatus(first.job.status)) return;
  void waitForJob(api, id, { signal, onUpdate: update }).catch((error: unknown) => {
    if (signal.aborted) return;
    const slot = h("div");
    actions.after(slot);
    showInlineError(slot, error);
  });
}

function jobSummary(job: Job): HTMLElement {
  return h(
    "div",
    { class: "card" },
    h(
      "dl",
      { class: "summary" },
      h("dt", null, "Status"),
      h("dd", { "data-testid": "job-status" }, statusBadge(JobStatus, job.status)),
      h("dt", null, "Function"),
      h("dd", null, job.operation?.function ?? ""),
      h("dt", null, "Attempts"),
      h("dd", null, String(job.attempts)),
      h("dt", null, "Created"),
      h("dd", null, timeCell(job.createdAt)),
      h("dt", null, "Started"),
      h("dd", null, timeCell(job.startedAt)),
      h("dt", null, "Completed"),
      h("dd", null, timeCell(job.completedAt)),
      job.batchId && h("dt", null, "Batch"),
      job.batchId && h("dd", null, h("a", { href: `/batches/${encodeURIComponent(job.batchId)}` }, job.batchId)),
      job.callbackUrl && h("dt", null, "Callback"),
      job.callbackUrl && h("dd", null, h("code", null, job.callbackUrl)),
      job.idempotencyKey && h("dt", null, "Idempotency key"),
      job.idempotencyKey && h("dd", null, h("code", null, job.idempotencyKey)),
    ),
    progressBar(job.progress, "Targets done"),
    job.error &&
      h(
        "div",
        { class: "error-summary" },
        h("p", null, h("strong", null, job.error.message), ` (${job.error.code}${job.error.targetId ? `, target ${job.error.targetId}` : ""})`),
      ),
    h("details", null, h("summary", null, "Input"), jsonBlock(job.operation?.input ?? {}, "Job input")),
  );
}

async function showDeliveries(slot: HTMLElement, jobId: string, signal: AbortSignal): Promise<void> {
  try {
    const { deliveries } = await api.deliveries.listDeliveries({ jobId, pagination: { limit: 100, asc: true } }, { signal });
    if (deliveries.length === 0) return;
    replaceChildren(slot, h("h2", { id: "deliveries-title" }, "Deliveries"), await deliveriesTable(deliveries, signal));
  } catch (error) {
    if (!signal.aborted) showInlineError(slot, error);
  }
}
