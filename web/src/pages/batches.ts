/**
 * Batches: run one function over many inputs, open a batch by id, and the
 * batches of recent jobs (the API lists jobs, not batches).
 */
import { type Batch, JobStatus } from "../../../client/index.js";
import { api } from "../api.js";
import { progressBar } from "../components/progress.js";
import { dataTable } from "../components/table.js";
import { checkbox, field, h, uniqueId } from "../dom.js";
import { LocalFieldError, clearErrors, showError } from "../errors.js";
import { shortId, statusBadge, timeCell } from "../format.js";
import { parseJson } from "../json-input.js";
import { functionNames } from "../lookups.js";
import type { PageContext } from "../router.js";

/** `/batches` */
export async function batchesPage({ view, signal, navigate }: PageContext): Promise<void> {
  const functions = await functionNames(signal);
  const open = h("input", { type: "text", autocomplete: "off" });
  const openForm = h("form", { class: "inline-form", "aria-label": "Open a batch" }, field("Batch ID", open), h("button", { type: "submit" }, "Open"));
  openForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (open.value.trim()) navigate(`/batches/${encodeURIComponent(open.value.trim())}`);
  });
  const recent = h("section", { "aria-labelledby": "recent-batches" }, h("h2", { id: "recent-batches" }, "Recent batches"));
  view.append(h("h1", null, "Batches"), h("p", { class: "lead" }, "A batch runs up to 1000 jobs and reports once, when all have ended."), runBatchForm(functions, navigate), openForm, recent);
  recent.append(recentBatchesTable(await recentBatches(signal)));
}

function runBatchForm(functions: readonly string[], navigate: (path: string) => void): HTMLElement {
  const listId = uniqueId("functions");
  const fn = h("input", { type: "text", list: listId, autocomplete: "off", value: functions[0] ?? "" });
  const inputs = h("textarea", { rows: 5, spellcheck: "false", class: "code" }, '[{"n": 1}, {"n": 2}, {"n": 3}]');
  const callbackUrl = h("input", { type: "url", autocomplete: "off", placeholder: "https://example.com/done" });
  const schema = checkbox("Include result schemas", true);
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "run-batch" },
    h("h2", { id: "run-batch" }, "Run a batch"),
    field("Function", fn, { name: "items.operation.function" }),
    h("datalist", { id: listId }, functions.map((name) => h("option", { value: name }))),
    field("Inputs (a JSON array: one job per element)", inputs, { name: "items", hint: "Each element is a job's input object; 1 to 1000 of them." }),
    field("Callback URL", callbackUrl, { name: "callback_url", hint: "Optional; POSTed once with every result when the batch ends." }),
    schema.element,
    h("div", { class: "form-actions" }, h("button", { type: "submit" }, "Run batch")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    void (async () => {
      try {
        const list = parseJson(inputs.value, "items", []);
        if (!Array.isArray(list)) throw new LocalFieldError("items", "must be a JSON array of objects");
        const items = list.map((input, index) => {
          if (input === null || typeof input !== "object" || Array.isArray(input)) throw new LocalFieldError("items", `element ${index} must be a JSON object`);
          return { operation: { function: fn.value.trim(), input } };
        });
        const { batch } = await api.jobs.executeBatch({
          items,
          includeResultSchema: schema.input.checked,
          ...(callbackUrl.value ? { callbackUrl: callbackUrl.value } : {}),
        });
        if (batch) navigate(`/batches/${encodeURIComponent(batch.id)}`);
      } catch (error) {
        showError(form, error);
      }
    })();
  });
  return form;
}

/** The batches of the latest 1000 jobs, newest first (at most 20). */
async function recentBatches(signal: AbortSignal): Promise<Batch[]> {
  const { jobs } = await api.jobs.listJobs({ pagination: { limit: 1000 } }, { signal });
  const ids = [...new Set(jobs.flatMap((job) => (job.batchId ? [job.batchId] : [])))].slice(0, 20);
  const batches = await Promise.all(ids.map((id) => api.jobs.getBatch({ id }, { signal })));
  return batches.flatMap(({ batch }) => (batch ? [batch] : []));
}

function recentBatchesTable(batches: readonly Batch[]): HTMLElement {
  const rows = batches.map((batch) => [
    h("a", { href: `/batches/${encodeURIComponent(batch.id)}` }, shortId(batch.id, 18)),
    statusBadge(JobStatus, batch.status),
    progressBar(batch.progress, `Progress of batch ${batch.id}`),
    timeCell(batch.createdAt),
    timeCell(batch.completedAt),
  ]);
  return dataTable("Recent batches", ["Batch", "Status", "Progress", "Created", "Completed"], rows, "No batches yet.");
}
