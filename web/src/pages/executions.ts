/**
 * Executions: every binding of a condition to its ordered targets and includes.
 */
import { type Execution, ExecutionType } from "../../../client/index.js";
import { api } from "../api.js";
import { confirmButton } from "../components/confirm-button.js";
import { dataTable, offsetOf, pager } from "../components/table.js";
import { conditionLabel, executionHref } from "../conditions.js";
import { announce, field, h, select } from "../dom.js";
import { showError } from "../errors.js";
import { timeCell } from "../format.js";
import { targetName, targetsById } from "../lookups.js";
import type { PageContext } from "../router.js";

const types = [
  ["", "All kinds"],
  [String(ExecutionType.REQUEST), "Request"],
  [String(ExecutionType.RESPONSE), "Response"],
  [String(ExecutionType.FUNCTION), "Function"],
  [String(ExecutionType.EVENT), "Event"],
] as const;

/** `/executions?type=…` */
export async function executionsPage({ view, query, signal, navigate }: PageContext): Promise<void> {
  const type = query.get("type") ?? "";
  const offset = offsetOf(query);
  const typeSelect = select(types, type);
  typeSelect.addEventListener("change", () => navigate(typeSelect.value ? `/executions?type=${typeSelect.value}` : "/executions"));
  const listSlot = h("section", { "aria-label": "Executions" });
  view.append(
    h("div", { class: "page-head" }, h("h1", null, "Executions"), h("a", { class: "button", href: "/executions/edit" }, "New execution")),
    h("p", { class: "lead" }, "Each execution binds one condition to targets called in order; includes splice in another execution's targets."),
    h("div", { class: "inline-form" }, field("Show", typeSelect)),
    listSlot,
  );
  const [targets, { executions, pagination }] = await Promise.all([
    targetsById(signal),
    api.executions.listExecutions(
      {
        pagination: { offset: BigInt(offset), limit: 100, asc: true },
        filters: type ? [{ filter: { case: "executionTypeFilter", value: { executionType: Number(type) } } }] : [],
      },
      { signal },
    ),
  ]);
  const rows = executions.map((execution: Execution) => {
    const label = conditionLabel(execution.condition);
    return [
      execution.condition ? h("a", { href: executionHref(execution.condition) }, label) : label,
      h(
        "ol",
        { class: "chain" },
        execution.targets.map((element) =>
          h("li", null, element.type.case === "target" ? targetName(targets, element.type.value) : h("span", null, "include ", h("em", null, conditionLabel(element.type.value)))),
        ),
      ),
      String(execution.resolvedTargetIds.length),
      timeCell(execution.details?.changeDate),
      execution.condition &&
        h(
          "span",
          { class: "actions" },
          h("a", { href: executionHref(execution.condition), "aria-label": `Edit ${label}` }, "Edit"),
          confirmButton("Delete", label, async () => {
            try {
              await api.executions.deleteExecution({ condition: execution.condition, expectedSequence: execution.details?.sequence });
              announce(`Deleted execution ${label}`);
              navigate(window.location.pathname + window.location.search, true);
            } catch (error) {
              showError(listSlot, error);
            }
          }),
        ),
    ];
  });
  listSlot.append(
    dataTable("Executions", ["Condition", "Targets, in order", "Resolved", "Changed", "Actions"], rows, "No executions yet."),
    pager(pagination, offset, executions.length, "/executions", query),
  );
}
