/**
 * Deliveries: the outbox's calls (events, async calls, callbacks), filtered;
 * redeliver every dead delivery of a target.
 */
import { DeliveryStatus } from "../../../client/index.js";
import { api } from "../api.js";
import { offsetOf, pager } from "../components/table.js";
import { actionButton, announce, field, h, select } from "../dom.js";
import { clearErrors, showError } from "../errors.js";
import { targetsById } from "../lookups.js";
import type { PageContext } from "../router.js";
import { deliveriesTable } from "./delivery-table.js";

const statuses = [
  ["", "Any status"],
  ...[DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD].map((status) => [String(status), DeliveryStatus[status].toLowerCase()] as const),
] as const;

/** `/deliveries?target=…&status=…&job=…&position=…` */
export async function deliveriesPage({ view, query, signal, navigate }: PageContext): Promise<void> {
  const offset = offsetOf(query);
  const targets = await targetsById(signal);
  const targetOptions = [...targets.values()].map((target) => [target.id, target.name] as const);
  const targetSelect = select([["", "Any target"], ...targetOptions], query.get("target") ?? "");
  const statusSelect = select(statuses, query.get("status") ?? "");
  const jobInput = h("input", { type: "text", value: query.get("job") ?? "", autocomplete: "off" });
  const positionInput = h("input", { type: "number", min: 1, value: query.get("position") ?? "", inputmode: "numeric" });
  const filter = h(
    "form",
    { class: "inline-form", role: "search", "aria-label": "Filter deliveries" },
    field("Target", targetSelect),
    field("Status", statusSelect),
    field("Job ID", jobInput),
    field("Event position", positionInput),
    h("button", { type: "submit" }, "Filter"),
  );
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, control] of [["target", targetSelect], ["status", statusSelect], ["job", jobInput], ["position", positionInput]] as const) {
      if (control.value) next.set(name, control.value);
    }
    navigate(`/deliveries${next.size ? `?${next}` : ""}`);
  });
  view.append(
    h("h1", null, "Deliveries"),
    h("p", { class: "lead" }, "Calls that must arrive: event deliveries, async calls and job callbacks, retried with backoff. Open one to see its attempts."),
    filter,
  );

  const status = query.get("status");
  const position = query.get("position");
  const { deliveries, pagination } = await api.deliveries.listDeliveries(
    {
      pagination: { offset: BigInt(offset), limit: 100 },
      ...(query.get("target") ? { targetId: query.get("target")! } : {}),
      statuses: status ? [Number(status)] : [],
      ...(query.get("job") ? { jobId: query.get("job")! } : {}),
      ...(position ? { eventPosition: BigInt(position) } : {}),
    },
    { signal },
  );
  view.append(await deliveriesTable(deliveries, signal), pager(pagination, offset, deliveries.length, "/deliveries", query), redeliverDead(targetOptions));
}

function redeliverDead(targetOptions: readonly (readonly [string, string])[]): HTMLElement {
  const target = select(targetOptions);
  const result = h("p", { role: "status" });
  const card = h(
    "section",
    { class: "card", "aria-labelledby": "redeliver-dead" },
    h("h2", { id: "redeliver-dead" }, "Redeliver dead deliveries"),
    h("p", null, "Schedules every dead delivery of a target again, e.g. after it was fixed or re-enabled."),
    field("Target", target, { name: "dead.target_id" }),
  );
  card.append(
    actionButton("Redeliver dead", async () => {
      clearErrors(card);
      try {
        const { count } = await api.deliveries.redeliver({ selector: { case: "dead", value: { targetId: target.value } } });
        result.textContent = `${count} ${count === 1 ? "delivery" : "deliveries"} scheduled again.`;
        announce(result.textContent);
      } catch (error) {
        showError(card, error);
      }
    }, { disabled: targetOptions.length === 0 }),
    result,
  );
  return card;
}
