/**
 * History-based routing: `/targets/:id` patterns, same-origin links handled
 * in place, one AbortSignal per visit so that streams stop when the user leaves.
 */
import { h, replaceChildren } from "./dom.js";
import { showError } from "./errors.js";

/** What a page gets to render itself. */
export interface PageContext {
  /** The `<main>` element, emptied before the page renders. */
  readonly view: HTMLElement;
  /** `:name` segments of the matched pattern, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Aborted when the user navigates away (or the page is rendered again). */
  readonly signal: AbortSignal;
  /** Goes to another page of the admin (pushing history unless `replace`). */
  navigate(path: string, replace?: boolean): void;
}

/** Renders a page into `context.view`. */
export type Page = (context: PageContext) => void | Promise<void>;

/** A pattern, the nav section it belongs to, and its page. */
export interface Route {
  readonly pattern: string;
  readonly section: string;
  readonly title: string;
  readonly page: Page;
}

/** Creates the router over `routes`; `onVisit` hears the section of every rendered page. */
export function createRouter(view: HTMLElement, routes: readonly Route[], onVisit: (route: Route | undefined) => void) {
  let visit: AbortController | undefined;
  let firstRender = true;

  async function render(): Promise<void> {
    visit?.abort();
    const current = new AbortController();
    visit = current;
    const url = new URL(window.location.href);
    const found = match(routes, url.pathname);
    onVisit(found?.route);
    replaceChildren(view);
    document.title = `${found?.route.title ?? "Not found"} · Switchyard`;
    if (!firstRender) view.focus();
    firstRender = false;
    if (!found) {
      replaceChildren(view, h("h1", null, "Not found"), h("p", null, "No page here. ", h("a", { href: "/targets" }, "Go to targets"), "."));
      return;
    }
    try {
      await found.route.page({ view, params: found.params, query: url.searchParams, signal: current.signal, navigate });
    } catch (error) {
      if (current.signal.aborted) return;
      const slot = h("div");
      view.append(slot);
      showError(slot, error);
    }
  }

  /** Goes to `path` (pushing history unless `replace`). */
  function navigate(path: string, replace = false): void {
    if (replace) window.history.replaceState(null, "", path);
    else window.history.pushState(null, "", path);
    void render();
  }

  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as Element | null)?.closest?.("a");
    if (!link || link.target || link.hasAttribute("download") || link.origin !== window.location.origin) return;
    if (link.getAttribute("href")?.startsWith("#")) return;
    event.preventDefault();
    navigate(link.pathname + link.search);
  });
  window.addEventListener("popstate", () => void render());
  return { render, navigate };
}

function match(routes: readonly Route[], pathname: string): { route: Route; params: Record<string, string> } | undefined {
  const segments = pathname.replace(/\/+$/, "").split("/").slice(1);
  for (const route of routes) {
    const pattern = route.pattern.replace(/\/+$/, "").split("/").slice(1);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((part, index) => {
      const segment = segments[index] ?? "";
      if (part.startsWith(":")) {
        params[part.slice(1)] = decodeURIComponent(segment);
        return segment !== "";
      }
      return part === segment;
    });
    if (matches) return { route, params };
  }
  return undefined;
}
