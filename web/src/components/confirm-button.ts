/**
 * A destructive action in two steps, without a modal: "Delete" turns into
 * "Confirm delete" and "Cancel" in place.
 */
import { h, replaceChildren } from "../dom.js";

/** A two-step button; `action` runs after the confirmation. `what` names the thing, for labels. */
export function confirmButton(label: string, what: string, action: () => Promise<void>): HTMLElement {
  const slot = h("span", { class: "confirm" });
  const initial = () => {
    const button = h("button", { type: "button", class: "danger", "aria-label": `${label} ${what}` }, label);
    button.addEventListener("click", () => confirming());
    replaceChildren(slot, button);
    return button;
  };
  const confirming = () => {
    const yes = h("button", { type: "button", class: "danger", "aria-label": `Confirm: ${label.toLowerCase()} ${what}` }, `Confirm ${label.toLowerCase()}`);
    const no = h("button", { type: "button", class: "secondary" }, "Cancel");
    yes.addEventListener("click", () => {
      yes.disabled = true;
      no.disabled = true;
      void action().finally(() => {
        if (slot.isConnected) initial();
      });
    });
    no.addEventListener("click", () => initial().focus());
    replaceChildren(slot, yes, " ", no);
    yes.focus();
  };
  initial();
  return slot;
}
