/**
 * One batch, live: WatchBatch moves its progress bar until it ends; its
 * items (jobs, in item order) below.
 */
import { type Batch, JobStatus, isTerminalStatus, waitForBatch } from "../../../client/index.js";
import { api } from "../api.js";
import { showCancelAction } from "../components/cancel-action.js";
import { progressBar } from "../components/progress.js";
import { dataTable, offsetOf, pager } from "../components/table.js";
import { announce, h, replaceChildren } from "../dom.js";
import { showInlineError } from "../errors.js";
import { shortId, statusBadge, timeCell } from "../format.js";
import type { PageContext } from "../router.js";

/** `/batches/:id` */
export async function batchDetailPage({ view, params, query, signal }: PageContext): Promise<void> {
  const id = params.id!;
  const offset = offsetOf(query);
  const summary = h("div", { "aria-live": "polite" });
  const actions = h("div", { class: "form-actions" });
  const items = h("section", { "aria-labelledby": "batch-items" });
  view.append(h("h1", null, "Batch ", h("code", null, id)), summary, actions, items);
  let loading = false;
  let again = false;

  // One listing at a time; a change during it asks for one more, so the last state is always shown.
  const refreshItems = async (): Promise<void> => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    do {
      again = false;
      await showItems(items, id, offset, query, signal);
    } while (again && !signal.aborted);
    loading = false;
  };
  const update = (batch: Batch) => {
    replaceChildren(summary, batchSummary(batch));
    const terminal = isTerminalStatus(batch.status);
    showCancelAction(actions, "Cancel batch", terminal, () => api.jobs.cancelBatch({ id, expectedSequence: batch.details?.sequence }));
    if (terminal) announce(`Batch ${JobStatus[batch.status].toLowerCase().replace(/_/g, " ")}`);
    void refreshItems();
  };

  const first = await api.jobs.getBatch({ id }, { signal });
  if (first.batch) update(first.batch);
  if (first.batch && isTerminalStatus(first.batch.status)) return;
  void waitForBatch(api, id, { signal, onUpdate: update }).catch((error: unknown) => {
    if (!signal.aborted) showInlineError(actions, error);
  });
}

function batchSummary(batch: Batch): HTMLElement {
  return h(
    "div",
    { class: "card" },
    h(
      "dl",
      { class: "summary" },
      h("dt", null, "Status"),
      h("dd", { "data-testid": "batch-status" }, statusBadge(JobStatus, batch.status)),
      h("dt", null, "Created"),
      h("dd", null, timeCell(batch.createdAt)),
      h("dt", null, "Completed"),
      h("dd", null, timeCell(batch.completedAt)),
      batch.callbackUrl && h("dt", null, "Callback"),
      batch.callbackUrl && h("dd", null, h("code", null, batch.callbackUrl)),
    ),
    progressBar(batch.progress, "Jobs done"),
  );
}

async function showItems(slot: HTMLElement, batchId: string, offset: number, query: URLSearchParams, signal: AbortSignal): Promise<void> {
  try {
    const { items, pagination } = await api.jobs.listBatchItems({ batchId, pagination: { offset: BigInt(offset), limit: 100, asc: true } }, { signal });
    const rows = items.map((item) => [
      String(item.index),
      item.job ? h("a", { href: `/jobs/${encodeURIComponent(item.job.id)}` }, shortId(item.job.id, 18)) : "—",
      item.job ? statusBadge(JobStatus, item.job.status) : "—",
      String(item.job?.attempts ?? 0),
      item.job?.error?.message ?? "",
    ]);
    replaceChildren(
      slot,
      h("h2", { id: "batch-items" }, "Items"),
      dataTable("Batch items", ["#", "Job", "Status", "Attempts", "Error"], rows, "No items."),
      pager(pagination, offset, items.length, `/batches/${encodeURIComponent(batchId)}`, query),
    );
  } catch (error) {
    if (!signal.aborted) showInlineError(slot, error);
  }
}
