/**
 * Targets: the list, with a name filter, edit links and delete.
 */
import { TargetFieldName, TextFilterMethod } from "../../../client/index.js";
import { api } from "../api.js";
import { confirmButton } from "../components/confirm-button.js";
import { dataTable, offsetOf, pager } from "../components/table.js";
import { announce, field, h } from "../dom.js";
import { showError } from "../errors.js";
import { durationText, timeCell } from "../format.js";
import type { PageContext } from "../router.js";
import { targetStateBadge, targetTypeText } from "./target-labels.js";

/** `/targets?name=…&offset=…` */
export async function targetsPage({ view, query, signal, navigate }: PageContext): Promise<void> {
  const name = query.get("name") ?? "";
  const offset = offsetOf(query);
  const filterInput = h("input", { type: "search", name: "name", value: name, autocomplete: "off" });
  const filter = h("form", { class: "inline-form", role: "search", "aria-label": "Filter targets" }, field("Name contains", filterInput), h("button", { type: "submit" }, "Filter"));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(filterInput.value ? `/targets?name=${encodeURIComponent(filterInput.value)}` : "/targets");
  });
  const listSlot = h("section", { "aria-label": "Targets" });
  view.append(
    h("div", { class: "page-head" }, h("h1", null, "Targets"), h("a", { class: "button", href: "/targets/new" }, "New target")),
    h("p", { class: "lead" }, "HTTP endpoints Switchyard calls. Bind them to conditions on the Executions page."),
    filter,
    listSlot,
  );

  const { targets, pagination } = await api.targets.listTargets(
    {
      pagination: { offset: BigInt(offset), limit: 100, asc: true },
      sortingColumn: TargetFieldName.NAME,
      filters: name ? [{ filter: { case: "targetNameFilter", value: { targetName: name, method: TextFilterMethod.CONTAINS_IGNORE_CASE } } }] : [],
    },
    { signal },
  );
  const rows = targets.map((target) => [
    h("a", { href: `/targets/${encodeURIComponent(target.id)}` }, target.name),
    targetTypeText(target),
    h("code", { class: "endpoint" }, target.endpoint),
    durationText(target.timeout),
    targetStateBadge(target),
    timeCell(target.details?.changeDate),
    h(
      "span",
      { class: "actions" },
      h("a", { href: `/targets/${encodeURIComponent(target.id)}`, "aria-label": `Edit ${target.name}` }, "Edit"),
      confirmButton("Delete", target.name, async () => {
        try {
          await api.targets.deleteTarget({ id: target.id, expectedSequence: target.details?.sequence });
          announce(`Deleted target ${target.name}`);
          navigate(window.location.pathname + window.location.search, true);
        } catch (error) {
          showError(listSlot, error);
        }
      }),
    ),
  ]);
  listSlot.append(
    dataTable("Targets", ["Name", "Type", "Endpoint", "Timeout", "State", "Changed", "Actions"], rows, name ? "No target matches." : "No targets yet. Create one to get started."),
    pager(pagination, offset, targets.length, "/targets", query),
  );
}
