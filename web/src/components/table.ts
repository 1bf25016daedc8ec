/**
 * Tables and paging for list pages.
 */
import type { PaginationResponse } from "../../../client/index.js";
import { type Child, h } from "../dom.js";

/** A table with a (screen-reader) caption; `empty` replaces it when there are no rows. */
export function dataTable(caption: string, headers: readonly string[], rows: readonly (readonly Child[])[], empty: string): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      null,
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", null, h("tr", null, headers.map((header) => h("th", { scope: "col" }, header)))),
      h("tbody", null, rows.map((cells) => h("tr", null, cells.map((cell) => h("td", null, cell))))),
    ),
  );
}

/** The `offset` query parameter of a list page (0 when absent or invalid). */
export function offsetOf(query: URLSearchParams): number {
  const offset = Number(query.get("offset") ?? 0);
  return Number.isSafeInteger(offset) && offset > 0 ? offset : 0;
}

/** "Showing 1–100 of 250" with Previous/Next links that keep the other query parameters. */
export function pager(pagination: PaginationResponse | undefined, offset: number, shown: number, path: string, query: URLSearchParams): HTMLElement {
  const total = Number(pagination?.totalResult ?? 0);
  const limit = pagination?.appliedLimit || 100;
  const link = (to: number, label: string) => {
    const next = new URLSearchParams(query);
    if (to > 0) next.set("offset", String(to));
    else next.delete("offset");
    const search = next.toString();
    return h("a", { href: search ? `${path}?${search}` : path }, label);
  };
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    h("span", null, total === 0 ? "Nothing yet" : `Showing ${offset + 1}–${offset + shown} of ${total}`),
    offset > 0 && link(Math.max(0, offset - limit), "Previous"),
    offset + shown < total && link(offset + limit, "Next"),
  );
}
