/**
 * A table of deliveries, shared by the Deliveries page and a job's page.
 */
import { type Delivery, DeliveryKind, DeliveryStatus } from "../../../client/index.js";
import { dataTable } from "../components/table.js";
import { h } from "../dom.js";
import { enumWords, shortId, statusBadge, timeCell } from "../format.js";
import { targetName, targetsById } from "../lookups.js";

/** Deliveries with links to their attempts, targets by name. */
export async function deliveriesTable(deliveries: readonly Delivery[], signal: AbortSignal): Promise<HTMLElement> {
  const targets = await targetsById(signal);
  const rows = deliveries.map((delivery) => [
    h("a", { href: `/deliveries/${encodeURIComponent(delivery.id)}`, "aria-label": `Delivery ${delivery.id}` }, shortId(delivery.id, 16)),
    enumWords(DeliveryKind, delivery.kind),
    delivery.targetId ? h("a", { href: `/targets/${encodeURIComponent(delivery.targetId)}` }, targetName(targets, delivery.targetId)) : h("code", null, delivery.endpoint),
    statusBadge(DeliveryStatus, delivery.status),
    String(delivery.attemptCount),
    timeCell(delivery.nextAttemptAt),
    timeCell(delivery.createdAt),
  ]);
  return dataTable("Deliveries", ["Delivery", "Kind", "Target", "Status", "Attempts", "Next attempt", "Created"], rows, "No deliveries.");
}
