/**
 * The token field in the header: paste an API key or JWT once; it is kept in
 * this tab's sessionStorage and sent as `Authorization: Bearer …` on every call.
 */
import { h, replaceChildren } from "../dom.js";
import { currentToken, onTokenChange, setToken } from "../session.js";

/** Renders the token form into `slot` and keeps it current. */
export function mountTokenForm(slot: HTMLElement): void {
  const render = (editing: boolean) => {
    const token = currentToken();
    if (token && !editing) {
      replaceChildren(
        slot,
        h(
          "div",
          { class: "token-set" },
          h("span", null, "Token ", h("code", { title: "the token in use (masked)" }, mask(token))),
          h("button", { type: "button", class: "link", onclick: () => render(true) }, "Change"),
          h("button", { type: "button", class: "link", onclick: () => setToken(undefined) }, "Forget"),
        ),
      );
      return;
    }
    const input = h("input", {
      id: "token",
      type: "password",
      autocomplete: "off",
      spellcheck: "false",
      placeholder: "sy_… or a JWT",
      "aria-describedby": "token-hint",
    });
    const form = h(
      "form",
      { class: "token-form", "aria-label": "Sign in" },
      h("label", { for: "token" }, "API token"),
      input,
      h("button", { type: "submit" }, "Use token"),
      h("span", { id: "token-hint", class: "visually-hidden" }, "Kept in this tab only (sessionStorage), sent only to this server."),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      setToken(input.value);
    });
    replaceChildren(slot, form);
    if (editing) input.focus();
  };
  onTokenChange(() => render(false));
  render(false);
}

/** The page shown instead of any other while there is no token. */
export function tokenPrompt(view: HTMLElement): void {
  replaceChildren(
    view,
    h("h1", null, "Switchyard admin"),
    h("p", null, "Paste an API token (an API key or a JWT) in the ", h("strong", null, "API token"), " field above to start."),
    h("p", null, "A development server (npm start) accepts ", h("code", null, "sy_dev_switchyard"), ", admin for the owner default (see docs/security.md)."),
    h("p", null, "The token is kept in this tab only (sessionStorage) and sent only to this server; Forget removes it."),
  );
  document.getElementById("token")?.focus();
}

function mask(token: string): string {
  return token.length <= 10 ? "•".repeat(token.length) : `${token.slice(0, 6)}…${token.slice(-3)}`;
}
