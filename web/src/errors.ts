/**
 * Shows a failed call where it belongs: the server's message at the top of
 * the form (role=alert), each field violation (google.rpc.BadRequest, from
 * buf.validate) next to its control, found by `data-field`.
 */
import { Code, type ErrorDetails, type FieldViolation, errorDetails } from "../../client/index.js";
import { describeBy, h, replaceChildren } from "./dom.js";

/** A problem found before calling the server, shaped like a violation (e.g. input that is not JSON). */
export class LocalFieldError extends Error {
  constructor(
    readonly field: string,
    readonly description: string,
  ) {
    super(`${field}: ${description}`);
  }
}

/** Errors whose ErrorInfo reason belongs to one field, though they are not validation errors. */
const reasonFields: Readonly<Record<string, string>> = {
  target_name_taken: "name",
  function_not_bound: "operation.function",
  job_exists: "job_id",
  idempotency_key_reused: "idempotency_key",
};

/** Removes what {@link showError} put into `scope`. */
export function clearErrors(scope: HTMLElement): void {
  scope.querySelectorAll(".error-summary, .field-error").forEach((node) => node.remove());
  scope.querySelectorAll<HTMLElement>("[aria-invalid]").forEach((control) => {
    control.removeAttribute("aria-invalid");
    const ids = (control.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id && !id.endsWith("-error"));
    if (ids.length > 0) control.setAttribute("aria-describedby", ids.join(" "));
    else control.removeAttribute("aria-describedby");
  });
}

/**
 * Shows `error` in `scope` (a form or section): a summary with the message and
 * code, violations next to their fields (or listed in the summary when no
 * field shows them). Focuses the first invalid field, else the summary.
 */
export function showError(scope: HTMLElement, error: unknown): void {
  clearErrors(scope);
  const details = detailsOf(error);
  const violations = [...details.fieldViolations];
  const reasonField = details.reason ? (details.metadata.field ?? reasonFields[details.reason]) : undefined;
  if (reasonField && violations.length === 0) violations.push({ field: reasonField, description: details.message });
  const unplaced: FieldViolation[] = [];
  let firstInvalid: HTMLElement | undefined;
  for (const violation of violations) {
    const control = controlFor(scope, violation.field);
    if (!control) {
      unplaced.push(violation);
      continue;
    }
    placeViolation(control, violation.description);
    firstInvalid ??= control;
  }
  const summary = h(
    "div",
    { class: "error-summary", role: "alert", tabindex: -1 },
    h("p", null, h("strong", null, details.message), " ", h("span", { class: "code" }, `(${codeLabel(details)})`)),
    details.code === Code.Unauthenticated && h("p", null, "Paste a valid API token in the token field at the top of the page."),
    unplaced.length > 0 && h("ul", null, unplaced.map((violation) => h("li", null, h("code", null, violation.field), ": ", violation.description))),
  );
  scope.prepend(summary);
  (firstInvalid ?? summary).focus();
}

/** A one-line description of `error`, for status lines. */
export function errorText(error: unknown): string {
  const details = detailsOf(error);
  return `${details.message} (${codeLabel(details)})`;
}

function detailsOf(error: unknown): ErrorDetails {
  if (error instanceof LocalFieldError) {
    return {
      code: Code.InvalidArgument,
      codeName: "invalid_argument",
      message: "Check the highlighted field.",
      metadata: {},
      fieldViolations: [{ field: error.field, description: error.description }],
    };
  }
  return errorDetails(error);
}

function codeLabel(details: ErrorDetails): string {
  return details.reason ? `${details.codeName}, ${details.reason}` : details.codeName;
}

/** The control for `field`: exact, then without list indexes (`items[3].x` → `items.x`), then its closest parent path. */
function controlFor(scope: HTMLElement, field: string): HTMLElement | undefined {
  const candidates = [field, field.replace(/\[\d+\]/g, "")];
  for (let path = field; path.includes("."); ) {
    path = path.slice(0, path.lastIndexOf("."));
    candidates.push(path);
  }
  for (const candidate of candidates) {
    const control = scope.querySelector<HTMLElement>(`[data-field="${CSS.escape(candidate)}"]`);
    if (control) return control;
  }
  return undefined;
}

function placeViolation(control: HTMLElement, description: string): void {
  control.id ||= `control-${Math.random().toString(36).slice(2)}`;
  const id = `${control.id}-error`;
  const existing = document.getElementById(id);
  if (existing) {
    existing.append(h("br"), description);
    return;
  }
  const message = h("p", { class: "field-error", id }, description);
  control.setAttribute("aria-invalid", "true");
  describeBy(control, id);
  const wrapper = control.closest(".field, fieldset, li") ?? control.parentElement;
  if (wrapper) wrapper.append(message);
  else control.after(message);
}

/** Replaces `slot`'s content with a short inline error (for lists and streams). */
export function showInlineError(slot: HTMLElement, error: unknown): void {
  replaceChildren(slot, h("p", { class: "error-summary", role: "alert" }, errorText(error)));
}
