/**
 * The condition builder: request or response (a method, a service or all),
 * a function (by name), or an event (a type, a group or all).
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Condition, ConditionSchema } from "../../../client/index.js";
import { field, h, select, uniqueId } from "../dom.js";

/** What `SetExecution` takes as its condition. */
export type ConditionInit = MessageInitShape<typeof ConditionSchema>;

/** Choices the server offers for request/response conditions. */
export interface ConditionChoices {
  readonly methods: readonly string[];
  readonly services: readonly string[];
  readonly functions: readonly string[];
}

/** A mounted builder: its element and the condition it describes right now. */
export interface ConditionBuilder {
  readonly element: HTMLFieldSetElement;
  value(): ConditionInit;
}

/** A radio group in a fieldset; `onChange` hears the chosen value. */
function radios(legend: string, options: readonly (readonly [string, string])[], checked: string, onChange: () => void) {
  const name = uniqueId("radio");
  const inputs = options.map(([value]) => h("input", { type: "radio", name, value, id: `${name}-${value}`, checked: value === checked }));
  inputs.forEach((input) => input.addEventListener("change", onChange));
  const element = h(
    "fieldset",
    { class: "radios" },
    h("legend", null, legend),
    options.map(([value, label], index) => h("span", { class: "radio" }, inputs[index]!, h("label", { for: `${name}-${value}` }, label))),
  );
  return { element, value: () => inputs.find((input) => input.checked)?.value ?? checked };
}

/** Builds the builder, showing `initial` when given (then it is read-only: the condition is the execution's key). */
export function createConditionBuilder(choices: ConditionChoices, initial?: Condition): ConditionBuilder {
  const type = initial?.conditionType;
  const rpcInitial = type?.case === "request" || type?.case === "response" ? type.value.condition : undefined;
  const eventInitial = type?.case === "event" ? type.value.condition : undefined;

  const kind = radios(
    "Kind",
    [["request", "Request of an RPC"], ["response", "Response of an RPC"], ["function", "Function (jobs)"], ["event", "Event"]],
    type?.case ?? "function",
    () => sync(),
  );
  const rpcScope = radios("Which RPCs", [["method", "One method"], ["service", "A whole service"], ["all", "All"]], rpcInitial?.case ?? "method", () => sync());
  const method = select(choices.methods.map((name) => [name, name]), rpcInitial?.case === "method" ? rpcInitial.value : undefined);
  const service = select(choices.services.map((name) => [name, name]), rpcInitial?.case === "service" ? rpcInitial.value : undefined);
  const listId = uniqueId("functions");
  const functionName = h("input", { type: "text", list: listId, autocomplete: "off", value: type?.case === "function" ? type.value.name : "", placeholder: "enrich" });
  const eventScope = radios("Which events", [["event", "One event type"], ["group", "A group (prefix)"], ["all", "All"]], eventInitial?.case ?? "event", () => sync());
  const eventType = h("input", { type: "text", autocomplete: "off", value: eventInitial?.case === "event" ? eventInitial.value : "", placeholder: "job.succeeded" });
  const eventGroup = h("input", { type: "text", autocomplete: "off", value: eventInitial?.case === "group" ? eventInitial.value : "", placeholder: "job" });

  const methodField = field("Method", method);
  const serviceField = field("Service", service);
  const rpcPanel = h("div", { class: "panel" }, rpcScope.element, methodField, serviceField);
  const functionPanel = h(
    "div",
    { class: "panel" },
    field("Function name", functionName, { name: "condition.function.name", hint: "Letters, digits and _ . : / -; jobs run it by this name." }),
    h("datalist", { id: listId }, choices.functions.map((name) => h("option", { value: name }))),
  );
  const eventTypeField = field("Event type", eventType, { name: "condition.event.event", hint: "e.g. job.succeeded, order.placed" });
  const eventGroupField = field("Group", eventGroup, { name: "condition.event.group", hint: "Matches the group and everything under it on . boundaries." });
  const eventPanel = h("div", { class: "panel" }, eventScope.element, eventTypeField, eventGroupField);

  function sync(): void {
    const chosen = kind.value();
    rpcPanel.hidden = chosen !== "request" && chosen !== "response";
    functionPanel.hidden = chosen !== "function";
    eventPanel.hidden = chosen !== "event";
    methodField.hidden = rpcScope.value() !== "method";
    serviceField.hidden = rpcScope.value() !== "service";
    method.dataset.field = `condition.${chosen}.method`;
    service.dataset.field = `condition.${chosen}.service`;
    eventTypeField.hidden = eventScope.value() !== "event";
    eventGroupField.hidden = eventScope.value() !== "group";
  }

  const element = h(
    "fieldset",
    { class: "condition-builder", disabled: initial !== undefined },
    h("legend", null, "Condition"),
    initial && h("p", { class: "hint" }, "The condition is the execution's key; to bind another one, create a new execution."),
    kind.element,
    rpcPanel,
    functionPanel,
    eventPanel,
  );
  element.dataset.field = "condition";
  sync();

  return {
    element,
    value(): ConditionInit {
      const chosen = kind.value();
      if (chosen === "function") return { conditionType: { case: "function", value: { name: functionName.value.trim() } } };
      if (chosen === "event") {
        const scope = eventScope.value();
        if (scope === "all") return { conditionType: { case: "event", value: { condition: { case: "all", value: true } } } };
        const value = (scope === "group" ? eventGroup : eventType).value.trim();
        return { conditionType: { case: "event", value: { condition: { case: scope as "event" | "group", value } } } };
      }
      const scope = rpcScope.value();
      const rpc =
        scope === "all"
          ? { condition: { case: "all" as const, value: true } }
          : { condition: { case: scope as "method" | "service", value: (scope === "service" ? service : method).value } };
      return { conditionType: { case: chosen as "request" | "response", value: rpc } };
    },
  };
}
