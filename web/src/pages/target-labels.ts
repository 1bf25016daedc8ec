/**
 * How targets read on the page.
 */
import { type Target, TargetState } from "../../../client/index.js";
import { h } from "../dom.js";

/** `webhook`, `call (interrupts)`, `async`. */
export function targetTypeText(target: Pick<Target, "targetType">): string {
  switch (target.targetType.case) {
    case "restWebhook":
      return `webhook${target.targetType.value.interruptOnError ? " (interrupts)" : ""}`;
    case "restCall":
      return `call${target.targetType.value.interruptOnError ? " (interrupts)" : ""}`;
    case "restAsync":
      return "async";
    default:
      return "—";
  }
}

/** `active`, or `disabled` with the reason as a tooltip. */
export function targetStateBadge(target: Target): HTMLElement {
  const disabled = target.state === TargetState.DISABLED;
  return h(
    "span",
    { class: `badge ${disabled ? "status-failed" : "status-succeeded"}`, title: target.disabledReason || undefined },
    disabled ? "disabled" : "active",
  );
}
