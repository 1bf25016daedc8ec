/**
 * One target: create (`/targets/new`) or edit (`/targets/:id`), with key
 * rotation. A signing key is shown once, right after create or rotation.
 */
import { PayloadType, type Target, TargetState, type UpdateTargetResponse } from "../../../client/index.js";
import { api } from "../api.js";
import { confirmButton } from "../components/confirm-button.js";
import { actionButton, announce, append, checkbox, field, h, replaceChildren, select } from "../dom.js";
import { clearErrors, showError } from "../errors.js";
import { durationFromSeconds, durationSeconds, timeCell } from "../format.js";
import type { PageContext } from "../router.js";
import { targetStateBadge } from "./target-labels.js";

type DurationInit = { seconds: bigint; nanos: number };
type TargetTypeInit =
  | { case: "restWebhook"; value: { interruptOnError: boolean } }
  | { case: "restCall"; value: { interruptOnError: boolean } }
  | { case: "restAsync"; value: object };

/** The fields of an UpdateTarget this page sends (unset ones stay as they are). */
interface TargetChanges {
  name?: string;
  endpoint?: string;
  timeout?: DurationInit | undefined;
  targetType?: TargetTypeInit;
  payloadType?: PayloadType;
  state?: TargetState;
  rotateSigningKey?: boolean;
  signingKeyOverlap?: DurationInit | undefined;
}
type Update = (changes: TargetChanges) => Promise<UpdateTargetResponse>;

/** `/targets/new` and `/targets/:id` */
export async function targetFormPage({ view, params, signal, navigate }: PageContext): Promise<void> {
  const id = params.id;
  const target = id ? (await api.targets.getTarget({ id }, { signal })).target : undefined;
  const inputs = targetInputs(target);
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "target-form-title" });
  const keySlot = h("div");
  append(form, [
    h("h2", { id: "target-form-title" }, "Settings"),
    inputs.elements,
    h("div", { class: "form-actions" }, h("button", { type: "submit" }, target ? "Save changes" : "Create target"), h("a", { href: "/targets" }, "Back to targets")),
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });

  async function submit(): Promise<void> {
    clearErrors(form);
    try {
      if (!target) {
        const created = await api.targets.createTarget({ ...inputs.values(), payloadType: inputs.payloadType() });
        announce("Target created");
        replaceChildren(
          view,
          h("h1", null, "Target created"),
          signingKeyPanel(created.signingKey, "This target's signing key"),
          h("p", null, h("a", { class: "button", href: `/targets/${encodeURIComponent(created.id)}` }, "Go to the target"), " ", h("a", { href: "/targets" }, "All targets")),
        );
        view.querySelector<HTMLElement>(".key-panel")?.focus();
        return;
      }
      await update({ ...inputs.values(), payloadType: inputs.payloadType(), state: inputs.state() });
      announce("Target saved");
      navigate(`/targets/${encodeURIComponent(target.id)}`, true);
    } catch (error) {
      showError(form, error);
    }
  }

  const update: Update = (changes) => api.targets.updateTarget({ id: target!.id, expectedSequence: target!.details?.sequence, ...changes });

  view.append(h("h1", null, target ? target.name : "New target"));
  if (!target) {
    view.append(form);
    inputs.focusFirst();
    return;
  }
  view.append(targetSummary(target), form, rotationCard(target, keySlot, update), keySlot, dangerZone(target, navigate));
}

function targetSummary(target: Target): HTMLElement {
  return h(
    "dl",
    { class: "summary" },
    h("dt", null, "ID"),
    h("dd", null, h("code", null, target.id)),
    h("dt", null, "State"),
    h("dd", null, targetStateBadge(target), target.disabledReason ? ` ${target.disabledReason}` : ""),
    h("dt", null, "Created"),
    h("dd", null, timeCell(target.creationDate)),
    h("dt", null, "Changed"),
    h("dd", null, timeCell(target.details?.changeDate), ` (sequence ${target.details?.sequence ?? 0})`),
    target.previousSigningKeyExpiresAt && h("dt", null, "Previous key valid until"),
    target.previousSigningKeyExpiresAt && h("dd", null, timeCell(target.previousSigningKeyExpiresAt)),
  );
}

function targetInputs(target: Target | undefined) {
  const name = h("input", { type: "text", required: true, maxlength: 1000, value: target?.name, autocomplete: "off" });
  const endpoint = h("input", { type: "url", required: true, value: target?.endpoint, placeholder: "https://example.com/hook", autocomplete: "off" });
  const type = select(
    [
      ["restWebhook", "Webhook — wait, ignore the answer"],
      ["restCall", "Call — wait, the JSON answer replaces the payload"],
      ["restAsync", "Async — durable delivery, never waited for"],
    ],
    target?.targetType.case ?? "restWebhook",
  );
  const current = target?.targetType;
  const interrupt = checkbox("Interrupt on error (a failure stops the chain)", current?.case === "restWebhook" || current?.case === "restCall" ? current.value.interruptOnError : false);
  const syncInterrupt = () => {
    interrupt.input.disabled = type.value === "restAsync";
  };
  type.addEventListener("change", syncInterrupt);
  syncInterrupt();
  const timeout = h("input", { type: "number", min: 0.001, max: 270, step: "any", required: true, value: durationSeconds(target?.timeout) ?? 10, inputmode: "decimal" });
  const payload = select([[String(PayloadType.JSON), "JSON"], [String(PayloadType.JWT), "JWT (signed by the server)"]], String(target?.payloadType || PayloadType.JSON));
  const state = select([[String(TargetState.ACTIVE), "Active"], [String(TargetState.DISABLED), "Disabled"]], String(target?.state ?? TargetState.ACTIVE));
  return {
    elements: [
      field("Name", name, { name: "name", hint: "Unique among your targets." }),
      field("Endpoint", endpoint, { name: "endpoint", hint: "An absolute http or https URL; Switchyard POSTs to it." }),
      field("Type", type, { name: "target_type" }),
      interrupt.element,
      field("Timeout (seconds)", timeout, { name: "timeout", hint: "More than 0, at most 270." }),
      field("Payload", payload, { name: "payload_type" }),
      target && field("State", state, { name: "state", hint: "A disabled target is never called." }),
    ],
    values: () => ({
      name: name.value,
      endpoint: endpoint.value,
      timeout: durationFromSeconds(timeout.value),
      targetType: targetTypeOf(type.value, interrupt.input.checked),
    }),
    payloadType: () => Number(payload.value) as PayloadType,
    state: () => Number(state.value) as TargetState,
    focusFirst: () => name.focus(),
  };
}

function targetTypeOf(kind: string, interruptOnError: boolean): TargetTypeInit {
  if (kind === "restCall") return { case: "restCall", value: { interruptOnError } };
  if (kind === "restAsync") return { case: "restAsync", value: {} };
  return { case: "restWebhook", value: { interruptOnError } };
}

function rotationCard(target: Target, keySlot: HTMLElement, update: Update): HTMLElement {
  const overlapHours = h("input", { type: "number", min: 0, max: 720, step: "any", value: 24, inputmode: "decimal" });
  const card = h(
    "section",
    { class: "card", "aria-labelledby": "rotate-title" },
    h("h2", { id: "rotate-title" }, "Signing key"),
    h("p", null, "Rotating creates a new key. The previous one keeps signing beside it for the overlap, so receivers can switch without downtime."),
    field("Overlap (hours)", overlapHours, { name: "signing_key_overlap", hint: "0 to 720 hours; default 24." }),
  );
  card.append(
    actionButton("Rotate signing key", async () => {
      clearErrors(card);
      const hours = Number(overlapHours.value || 24);
      try {
        const answer = await update({ rotateSigningKey: true, signingKeyOverlap: durationFromSeconds(String(hours * 3600)) });
        replaceChildren(keySlot, signingKeyPanel(answer.signingKey, `New signing key of ${target.name}`));
        keySlot.querySelector<HTMLElement>(".key-panel")?.focus();
        announce("Signing key rotated");
      } catch (error) {
        showError(card, error);
      }
    }),
  );
  return card;
}

/** The key, shown once, with a copy button. */
function signingKeyPanel(key: string, title: string): HTMLElement {
  const value = h("code", { class: "secret", id: "signing-key" }, key);
  const copied = h("span", { role: "status" });
  return h(
    "section",
    { class: "key-panel", tabindex: -1, "aria-labelledby": "key-title" },
    h("h2", { id: "key-title" }, title),
    h("p", null, h("strong", null, "Copy it now: it is shown only this once."), " Receivers verify the webhook-signature header with it."),
    h("p", null, value),
    actionButton("Copy key", async () => {
      await navigator.clipboard?.writeText(key).then(
        () => (copied.textContent = "Copied."),
        () => (copied.textContent = "Copy failed: select the key and copy it by hand."),
      );
    }),
    " ",
    copied,
  );
}

function dangerZone(target: Target, navigate: (path: string) => void): HTMLElement {
  const card = h("section", { class: "card danger-zone", "aria-labelledby": "delete-title" }, h("h2", { id: "delete-title" }, "Delete"));
  card.append(
    h("p", null, "Deleting removes the target from every execution that lists it."),
    confirmButton("Delete", target.name, async () => {
      try {
        await api.targets.deleteTarget({ id: target.id, expectedSequence: target.details?.sequence });
        announce(`Deleted target ${target.name}`);
        navigate("/targets");
      } catch (error) {
        showError(card, error);
      }
    }),
  );
  return card;
}
