/**
 * An ordered list the user rearranges: drag an item onto another, or use its
 * Up / Down buttons (keyboard); Remove takes it out. Moves are announced.
 */
import { announce, h, replaceChildren } from "../dom.js";

/** A mounted list and its items, in order. */
export interface OrderedList<T> {
  readonly element: HTMLElement;
  items(): readonly T[];
  add(item: T): void;
}

/** Creates the list; `label` names an item (visible and in button labels), `fieldPrefix` maps violations (`targets[2]`). */
export function createOrderedList<T>(options: {
  readonly label: (item: T) => string;
  readonly describe?: (item: T) => string;
  readonly caption: string;
  readonly fieldPrefix: string;
  readonly initial?: readonly T[];
}): OrderedList<T> {
  let items = [...(options.initial ?? [])];
  let dragged: number | undefined;
  const list = h("ol", { class: "ordered-list", "aria-label": options.caption });
  const empty = h("p", { class: "empty" }, "Nothing yet: add a target or an include below. An empty list removes the execution.");

  function move(from: number, to: number, focus?: "up" | "down"): void {
    if (to < 0 || to >= items.length || from === to) return;
    const [item] = items.splice(from, 1);
    items.splice(to, 0, item!);
    render();
    announce(`Moved ${options.label(item!)} to position ${to + 1} of ${items.length}`);
    if (focus) {
      const row = list.children[to];
      const preferred = row?.querySelector<HTMLButtonElement>(`button[data-move="${focus}"]:not(:disabled)`);
      (preferred ?? row?.querySelector<HTMLButtonElement>("button[data-move]:not(:disabled)"))?.focus();
    }
  }

  function row(item: T, index: number): HTMLLIElement {
    const name = options.label(item);
    const li = h(
      "li",
      { draggable: "true", class: "ordered-item" },
      h("span", { class: "grip", "aria-hidden": "true", title: "Drag to reorder" }, "⠿"),
      h("span", { class: "position" }, `${index + 1}.`),
      h("span", { class: "item-label" }, name, options.describe && h("span", { class: "hint" }, ` ${options.describe(item)}`)),
      h(
        "span",
        { class: "item-actions" },
        h("button", { type: "button", class: "icon", "data-move": "up", "aria-label": `Move ${name} up`, disabled: index === 0, onclick: () => move(index, index - 1, "up") }, "↑"),
        h("button", { type: "button", class: "icon", "data-move": "down", "aria-label": `Move ${name} down`, disabled: index === items.length - 1, onclick: () => move(index, index + 1, "down") }, "↓"),
        h("button", { type: "button", class: "secondary", "aria-label": `Remove ${name}`, onclick: () => remove(index) }, "Remove"),
      ),
    );
    li.dataset.field = `${options.fieldPrefix}[${index}]`;
    li.addEventListener("dragstart", (event) => {
      dragged = index;
      event.dataTransfer?.setData("text/plain", String(index));
      if (event.dataTransfer) event.dataTransfer.effectAllowed = "move";
      li.classList.add("dragging");
    });
    li.addEventListener("dragend", () => {
      dragged = undefined;
      li.classList.remove("dragging");
      list.querySelectorAll(".drop-target").forEach((node) => node.classList.remove("drop-target"));
    });
    li.addEventListener("dragover", (event) => {
      if (dragged === undefined) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "move";
      li.classList.add("drop-target");
    });
    li.addEventListener("dragleave", () => li.classList.remove("drop-target"));
    li.addEventListener("drop", (event) => {
      event.preventDefault();
      const from = dragged ?? Number(event.dataTransfer?.getData("text/plain"));
      if (Number.isInteger(from)) move(from, index);
    });
    return li;
  }

  function remove(index: number): void {
    const [item] = items.splice(index, 1);
    render();
    announce(`Removed ${options.label(item!)}`);
    const next = list.children[Math.min(index, items.length - 1)];
    next?.querySelector<HTMLButtonElement>("button.secondary")?.focus();
  }

  function render(): void {
    replaceChildren(list, items.map((item, index) => row(item, index)));
    empty.hidden = items.length > 0;
  }

  render();
  return {
    element: h("div", { class: "ordered" }, list, empty),
    items: () => items,
    add(item) {
      items.push(item);
      render();
      announce(`Added ${options.label(item)} at position ${items.length}`);
    },
  };
}
