/**
 * One delivery and every attempt; redeliver it. Refreshes itself while
 * an attempt is still due.
 */
import { type Delivery, DeliveryKind, DeliveryStatus } from "../../../client/index.js";
import { api } from "../api.js";
import { dataTable } from "../components/table.js";
import { actionButton, announce, h, replaceChildren } from "../dom.js";
import { showError, showInlineError } from "../errors.js";
import { durationText, enumWords, statusBadge, timeCell } from "../format.js";
import { targetName, targetsById } from "../lookups.js";
import type { PageContext } from "../router.js";

const refreshMs = 1500;

/** `/deliveries/:id` */
export async function deliveryDetailPage({ view, params, signal }: PageContext): Promise<void> {
  const id = params.id!;
  const body = h("div", { "aria-live": "polite" });
  const actions = h("div", { class: "form-actions" });
  view.append(h("h1", null, "Delivery ", h("code", null, id)), actions, body);
  let timer: ReturnType<typeof setTimeout> | undefined;
  signal.addEventListener("abort", () => clearTimeout(timer));

  const targets = await targetsById(signal);
  const load = async () => {
    clearTimeout(timer);
    try {
      const { delivery } = await api.deliveries.getDelivery({ id }, { signal });
      if (!delivery) return;
      replaceChildren(body, deliverySummary(delivery, targetName(targets, delivery.targetId)), h("h2", null, "Attempts"), attemptsTable(delivery));
      const due = delivery.status === DeliveryStatus.PENDING || delivery.status === DeliveryStatus.FAILED;
      if (due && !signal.aborted) timer = setTimeout(() => void load(), refreshMs);
    } catch (error) {
      if (!signal.aborted) showInlineError(body, error);
    }
  };
  actions.append(
    actionButton("Redeliver", async () => {
      try {
        await api.deliveries.redeliver({ selector: { case: "deliveryId", value: id } });
        announce("Delivery scheduled again");
        await load();
      } catch (error) {
        showError(actions, error);
      }
    }),
    " ",
    actionButton("Refresh", load, { class: "secondary" }),
  );
  await load();
}

function deliverySummary(delivery: Delivery, target: string): HTMLElement {
  return h(
    "dl",
    { class: "summary card" },
    h("dt", null, "Status"),
    h("dd", { "data-testid": "delivery-status" }, statusBadge(DeliveryStatus, delivery.status)),
    h("dt", null, "Kind"),
    h("dd", null, enumWords(DeliveryKind, delivery.kind)),
    h("dt", null, "Target"),
    h("dd", null, delivery.targetId ? h("a", { href: `/targets/${encodeURIComponent(delivery.targetId)}` }, target) : "—"),
    h("dt", null, "Endpoint"),
    h("dd", null, h("code", null, delivery.endpoint)),
    delivery.eventPosition > 0n && h("dt", null, "Event position"),
    delivery.eventPosition > 0n && h("dd", null, String(delivery.eventPosition)),
    delivery.jobId && h("dt", null, "Job"),
    delivery.jobId && h("dd", null, h("a", { href: `/jobs/${encodeURIComponent(delivery.jobId)}` }, delivery.jobId)),
    delivery.batchId && h("dt", null, "Batch"),
    delivery.batchId && h("dd", null, h("a", { href: `/batches/${encodeURIComponent(delivery.batchId)}` }, delivery.batchId)),
    h("dt", null, "Next attempt"),
    h("dd", null, timeCell(delivery.nextAttemptAt)),
    h("dt", null, "Created"),
    h("dd", null, timeCell(delivery.createdAt)),
  );
}

function attemptsTable(delivery: Delivery): HTMLElement {
  const rows = delivery.attempts.map((attempt) => [
    String(attempt.number),
    timeCell(attempt.attemptedAt),
    attempt.httpStatus ? h("span", { class: attempt.httpStatus < 300 ? "ok" : "bad" }, String(attempt.httpStatus)) : "—",
    durationText(attempt.latency),
    attempt.error || "—",
    attempt.responseExcerpt ? h("pre", { class: "excerpt" }, attempt.responseExcerpt) : "—",
    timeCell(attempt.nextAttemptAt),
  ]);
  return dataTable("Attempts", ["#", "Attempted", "HTTP status", "Latency", "Error", "Response excerpt", "Next attempt"], rows, "No attempt yet.");
}
