/**
 * A few DOM helpers: `h()` builds elements, `field()` wraps a control with its
 * label, hint and error slot. Nothing is rendered from HTML strings, so no
 * server value can ever become markup.
 */

/** Anything `h()` accepts as a child; falsy values are skipped. */
export type Child = Node | string | number | bigint | null | undefined | false | readonly Child[];

/** Attributes; `on…` keys take listeners, `true` sets an empty attribute, nullish/false omits it. */
export type Attributes = Record<string, string | number | boolean | null | undefined | ((event: never) => void)>;

/** Creates `<tag>` with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes?: Attributes | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** Appends children (flattening arrays, skipping falsy ones). */
export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

let nextId = 0;
/** A document-unique id with a readable prefix. */
export function uniqueId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** Options of {@link field}. */
export interface FieldOptions {
  /** The request field this control fills, as the server names it in violations (e.g. `operation.function`). */
  readonly name?: string;
  /** A short help text, read by screen readers with the control. */
  readonly hint?: string;
}

/**
 * A labelled control: `<div class="field"><label/>control<p class="hint"/></div>`.
 * `name` lands in `data-field`, where {@link showError} puts the server's violations.
 */
export function field(label: string, control: HTMLElement, options: FieldOptions = {}): HTMLDivElement {
  control.id ||= uniqueId("field");
  if (options.name) control.dataset.field = options.name;
  const wrapper = h("div", { class: "field" }, h("label", { for: control.id }, label), control);
  if (options.hint) {
    const hint = h("p", { class: "hint", id: `${control.id}-hint` }, options.hint);
    describeBy(control, hint.id);
    wrapper.append(hint);
  }
  return wrapper;
}

/** A checkbox with its label after it. */
export function checkbox(label: string, checked: boolean, name?: string): { element: HTMLDivElement; input: HTMLInputElement } {
  const input = h("input", { type: "checkbox", id: uniqueId("check"), checked });
  if (name) input.dataset.field = name;
  return { element: h("div", { class: "field checkbox" }, input, h("label", { for: input.id }, label)), input };
}

/** Adds `id` to the control's aria-describedby. */
export function describeBy(control: HTMLElement, id: string): void {
  const ids = new Set((control.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean));
  ids.add(id);
  control.setAttribute("aria-describedby", [...ids].join(" "));
}

/** `<select>` with `[value, label]` options. */
export function select(options: readonly (readonly [string, string])[], selected?: string): HTMLSelectElement {
  return h("select", null, options.map(([value, label]) => h("option", { value, selected: value === selected }, label)));
}

/** A button that runs `action` and is disabled while it runs. */
export function actionButton(label: string, action: () => Promise<void> | void, attributes: Attributes = {}): HTMLButtonElement {
  const button: HTMLButtonElement = h("button", { type: "button", ...attributes }, label);
  button.addEventListener("click", () => {
    button.disabled = true;
    void Promise.resolve()
      .then(action)
      .finally(() => {
        button.disabled = false;
      });
  });
  return button;
}

/** Says `message` to screen readers (and nothing on screen). */
export function announce(message: string): void {
  const announcer = document.getElementById("announcer");
  if (!announcer) return;
  announcer.textContent = "";
  // A fresh text node is announced again even when the message repeats.
  setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}
