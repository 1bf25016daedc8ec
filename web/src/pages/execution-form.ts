/**
 * One execution: build its condition, order its targets and includes, save.
 * `/executions/edit` creates; `?condition=<json>` edits that execution.
 */
import { equals } from "@bufbuild/protobuf";
import { Code, type Condition, ConditionSchema, ConnectError, type Execution, type Target } from "../../../client/index.js";
import { api } from "../api.js";
import { createConditionBuilder } from "../components/condition-builder.js";
import { confirmButton } from "../components/confirm-button.js";
import { createOrderedList } from "../components/ordered-list.js";
import { conditionFromQuery, conditionLabel } from "../conditions.js";
import { announce, field, h, select } from "../dom.js";
import { clearErrors, showError } from "../errors.js";
import { targetName } from "../lookups.js";
import type { PageContext } from "../router.js";
import { targetTypeText } from "./target-labels.js";

type ChainElement = { readonly kind: "target"; readonly id: string } | { readonly kind: "include"; readonly condition: Condition };

/** `/executions/edit[?condition=…]` */
export async function executionFormPage({ view, query, signal, navigate }: PageContext): Promise<void> {
  const editing = conditionFromQuery(query);
  const [methods, services, functions, targetList, executionList, existing] = await Promise.all([
    api.executions.listExecutionMethods({}, { signal }),
    api.executions.listExecutionServices({}, { signal }),
    api.executions.listExecutionFunctions({}, { signal }),
    api.targets.listTargets({ pagination: { limit: 1000, asc: true } }, { signal }),
    api.executions.listExecutions({ pagination: { limit: 1000, asc: true } }, { signal }),
    editing ? getExecution(editing, signal) : undefined,
  ]);
  const targets = new Map(targetList.targets.map((target) => [target.id, target]));
  const builder = createConditionBuilder({ methods: methods.methods, services: services.services, functions: functions.functions }, editing);
  const includable = executionList.executions.flatMap((execution) => (execution.condition && !(editing && equals(ConditionSchema, execution.condition, editing)) ? [execution.condition] : []));
  const chain = createOrderedList<ChainElement>({
    caption: "Targets and includes, in call order",
    fieldPrefix: "targets",
    label: (element) => (element.kind === "target" ? targetName(targets, element.id) : `include ${conditionLabel(element.condition)}`),
    describe: (element) => (element.kind === "target" ? describeTarget(targets.get(element.id)) : "its targets, spliced in here"),
    initial: (existing?.targets ?? []).map((element): ChainElement =>
      element.type.case === "include" ? { kind: "include", condition: element.type.value } : { kind: "target", id: element.type.value ?? "" },
    ),
  });

  const targetChoice = select(targetList.targets.length ? targetList.targets.map((target) => [target.id, `${target.name} (${targetTypeText(target)})`]) : [["", "No target yet"]]);
  const includeChoice = select(includable.length ? includable.map((condition, index) => [String(index), conditionLabel(condition)]) : [["", "No other execution yet"]]);
  const addTarget = h("button", { type: "button", disabled: targetList.targets.length === 0 }, "Add target");
  addTarget.addEventListener("click", () => chain.add({ kind: "target", id: targetChoice.value }));
  const addInclude = h("button", { type: "button", disabled: includable.length === 0 }, "Add include");
  addInclude.addEventListener("click", () => chain.add({ kind: "include", condition: includable[Number(includeChoice.value)]! }));

  const form = h("form", { class: "card", novalidate: true, "aria-label": "Execution" });
  form.append(
    builder.element,
    h(
      "fieldset",
      { class: "chain-editor" },
      h("legend", null, "Targets and includes, in order"),
      h("p", { class: "hint" }, "Drag to reorder, or use the ↑ ↓ buttons. Each call's answer feeds the next for call targets."),
      chain.element,
      h("div", { class: "add-row" }, field("Target", targetChoice), addTarget),
      h("div", { class: "add-row" }, field("Include the targets of", includeChoice), addInclude),
    ),
    h("div", { class: "form-actions" }, h("button", { type: "submit" }, "Save execution"), h("a", { href: "/executions" }, "Back to executions")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void save();
  });

  async function save(): Promise<void> {
    clearErrors(form);
    try {
      const condition = editing ?? builder.value();
      await api.executions.setExecution({
        condition,
        targets: chain.items().map((element) =>
          element.kind === "target" ? { type: { case: "target", value: element.id } } : { type: { case: "include", value: element.condition } },
        ),
        ...(existing ? { expectedSequence: existing.details?.sequence } : {}),
      });
      announce("Execution saved");
      navigate("/executions");
    } catch (error) {
      showError(form, error);
    }
  }

  view.append(h("h1", null, editing ? `Execution: ${conditionLabel(editing)}` : "New execution"), form);
  if (existing) {
    const label = conditionLabel(editing);
    const danger = h("section", { class: "card danger-zone", "aria-labelledby": "delete-execution" }, h("h2", { id: "delete-execution" }, "Delete"));
    danger.append(
      h("p", null, "Removes the binding; executions that include it must drop the include first."),
      confirmButton("Delete", label, async () => {
        try {
          await api.executions.deleteExecution({ condition: editing, expectedSequence: existing.details?.sequence });
          announce(`Deleted execution ${label}`);
          navigate("/executions");
        } catch (error) {
          showError(danger, error);
        }
      }),
    );
    view.append(danger);
  }
}

async function getExecution(condition: Condition, signal: AbortSignal): Promise<Execution | undefined> {
  try {
    return (await api.executions.getExecution({ condition }, { signal })).execution;
  } catch (error) {
    // A condition from a stale link: start a new execution with it.
    if (ConnectError.from(error).code === Code.NotFound) return undefined;
    throw error;
  }
}

function describeTarget(target: Target | undefined): string {
  return target ? `${targetTypeText(target)} → ${target.endpoint}` : "(deleted)";
}
