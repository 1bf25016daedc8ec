/**
 * Events: a live tail through WatchEvents (the latest ones first, then every
 * new one, with no gap between), and a form to push your own.
 */
import { type Event } from "../../../client/index.js";
import { api } from "../api.js";
import { field, h, replaceChildren } from "../dom.js";
import { clearErrors, showError, showInlineError } from "../errors.js";
import { jsonBlock, timeCell } from "../format.js";
import { parseJsonObject } from "../json-input.js";
import type { PageContext } from "../router.js";

const maxRows = 500;

/** `/events?aggregate=…&types=…` */
export async function eventsPage({ view, query, signal, navigate }: PageContext): Promise<void> {
  const aggregateType = query.get("aggregate") ?? "";
  const types = (query.get("types") ?? "").split(",").map((type) => type.trim()).filter(Boolean);
  const aggregateInput = h("input", { type: "text", value: aggregateType, autocomplete: "off", placeholder: "job" });
  const typesInput = h("input", { type: "text", value: types.join(", "), autocomplete: "off", placeholder: "job.succeeded, order.placed" });
  const filter = h("form", { class: "inline-form", role: "search", "aria-label": "Filter events" }, field("Aggregate type", aggregateInput), field("Types (comma-separated)", typesInput), h("button", { type: "submit" }, "Apply"));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (aggregateInput.value.trim()) next.set("aggregate", aggregateInput.value.trim());
    if (typesInput.value.trim()) next.set("types", typesInput.value);
    navigate(`/events${next.size ? `?${next}` : ""}`);
  });
  const status = h("p", { class: "live-status", role: "status" }, "Connecting…");
  const rows = h("tbody");
  const table = h(
    "div",
    { class: "table-wrap" },
    h("table", null, h("caption", { class: "visually-hidden" }, "Events, newest first"), h("thead", null, h("tr", null, ["Position", "Type", "Aggregate", "Seq.", "Creator", "Created", "Payload"].map((name) => h("th", { scope: "col" }, name)))), rows),
  );
  view.append(
    h("h1", null, "Events"),
    h("p", { class: "lead" }, "Every change is an event. New ones appear at the top of the live tail as they happen."),
    pushForm(),
    h("section", { "aria-labelledby": "live-tail" }, h("h2", { id: "live-tail" }, "Live tail"), filter, status, table),
  );

  const eventFilter = { ...(aggregateType ? { aggregateType } : {}), types };
  const latest = await api.events.listEvents({ filter: eventFilter, pagination: { limit: 50 } }, { signal });
  let count = 0;
  const add = (event: Event, atTop: boolean) => {
    const row = eventRow(event);
    if (atTop) rows.prepend(row);
    else rows.append(row);
    count += 1;
    while (rows.children.length > maxRows) rows.lastElementChild?.remove();
  };
  latest.events.forEach((event) => add(event, false));
  const fromPosition = (latest.events[0]?.position ?? 0n) + 1n;

  void (async () => {
    try {
      const stream = api.events.watchEvents({ filter: eventFilter, fromPosition }, { signal });
      status.textContent = `Live: ${count} events shown.`;
      for await (const { event } of stream) {
        if (!event) continue;
        add(event, true);
        status.textContent = `Live: ${count} events shown; latest ${event.type} at position ${event.position}.`;
      }
      status.textContent = "The server ended the stream. Reload the page to resume.";
    } catch (error) {
      if (!signal.aborted) showInlineError(status, error);
    }
  })();
}

function eventRow(event: Event): HTMLTableRowElement {
  return h(
    "tr",
    null,
    h("td", null, String(event.position)),
    h("td", null, h("code", null, event.type)),
    h("td", null, `${event.aggregateType} `, h("code", null, event.aggregateId)),
    h("td", null, String(event.sequence)),
    h("td", null, event.creator),
    h("td", null, timeCell(event.createdAt)),
    h("td", null, h("details", null, h("summary", null, "payload"), jsonBlock(event.payload ?? {}, `Payload of event ${event.position}`))),
  );
}

function pushForm(): HTMLElement {
  const type = h("input", { type: "text", autocomplete: "off", placeholder: "order.placed" });
  const aggregateType = h("input", { type: "text", autocomplete: "off", placeholder: "order" });
  const aggregateId = h("input", { type: "text", autocomplete: "off", placeholder: "42" });
  const payload = h("textarea", { rows: 4, spellcheck: "false", class: "code" }, "{}");
  const result = h("p", { role: "status" });
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "push-event" },
    h("h2", { id: "push-event" }, "Push an event"),
    h("p", { class: "hint" }, "Your own events trigger event executions like system ones. Types may not start with target., execution., job., batch. or delivery."),
    h("div", { class: "field-row" }, field("Type", type, { name: "type" }), field("Aggregate type", aggregateType, { name: "aggregate_type" }), field("Aggregate ID", aggregateId, { name: "aggregate_id" })),
    field("Payload (JSON object)", payload, { name: "payload" }),
    h("div", { class: "form-actions" }, h("button", { type: "submit" }, "Push event")),
    result,
  );
  form.addEventListener("submit", (submitEvent) => {
    submitEvent.preventDefault();
    clearErrors(form);
    replaceChildren(result);
    void (async () => {
      try {
        const { event } = await api.events.pushEvent({ type: type.value.trim(), aggregateType: aggregateType.value.trim(), aggregateId: aggregateId.value.trim(), payload: parseJsonObject(payload.value, "payload") });
        result.textContent = `Pushed ${event?.type} at position ${event?.position}.`;
      } catch (error) {
        showError(form, error);
      }
    })();
  });
  return form;
}
