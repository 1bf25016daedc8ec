/**
 * Jobs: run a function with JSON input, and the list of past jobs.
 */
import { JobStatus } from "../../../client/index.js";
import { api } from "../api.js";
import { progressBar } from "../components/progress.js";
import { dataTable, offsetOf, pager } from "../components/table.js";
import { checkbox, field, h, select, uniqueId } from "../dom.js";
import { clearErrors, showError } from "../errors.js";
import { shortId, statusBadge, timeCell } from "../format.js";
import { parseJsonObject } from "../json-input.js";
import { functionNames } from "../lookups.js";
import type { PageContext } from "../router.js";

const statuses = [["", "Any status"], ...[JobStatus.ACCEPTED, JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED].map((status) => [String(status), JobStatus[status].toLowerCase()] as const)] as const;

/** `/jobs?status=…&function=…` */
export async function jobsPage({ view, query, signal, navigate }: PageContext): Promise<void> {
  const functions = await functionNames(signal);
  view.append(h("h1", null, "Jobs"), h("p", { class: "lead" }, "A job runs the targets bound to a function, in order; each call's answer is the next input."), runForm(functions, navigate));

  const status = query.get("status") ?? "";
  const fn = query.get("function") ?? "";
  const offset = offsetOf(query);
  const statusSelect = select(statuses, status);
  const functionFilter = h("input", { type: "search", value: fn, autocomplete: "off" });
  const filter = h("form", { class: "inline-form", role: "search", "aria-label": "Filter jobs" }, field("Status", statusSelect), field("Function", functionFilter), h("button", { type: "submit" }, "Filter"));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (statusSelect.value) next.set("status", statusSelect.value);
    if (functionFilter.value) next.set("function", functionFilter.value);
    navigate(`/jobs${next.size ? `?${next}` : ""}`);
  });
  const listSlot = h("section", { "aria-labelledby": "jobs-list" }, h("h2", { id: "jobs-list" }, "Recent jobs"), filter);
  view.append(listSlot);
  const { jobs, pagination } = await api.jobs.listJobs(
    {
      pagination: { offset: BigInt(offset), limit: 50 },
      statuses: status ? [Number(status)] : [],
      ...(fn ? { function: fn } : {}),
    },
    { signal },
  );
  const rows = jobs.map((job) => [
    h("a", { href: `/jobs/${encodeURIComponent(job.id)}` }, shortId(job.id, 18)),
    job.operation?.function ?? "",
    statusBadge(JobStatus, job.status),
    progressBar(job.progress, `Progress of job ${job.id}`),
    timeCell(job.createdAt),
    job.batchId ? h("a", { href: `/batches/${encodeURIComponent(job.batchId)}` }, shortId(job.batchId)) : "—",
  ]);
  listSlot.append(dataTable("Jobs", ["Job", "Function", "Status", "Progress", "Created", "Batch"], rows, "No jobs yet."), pager(pagination, offset, jobs.length, "/jobs", query));
}

function runForm(functions: readonly string[], navigate: (path: string) => void): HTMLElement {
  const listId = uniqueId("functions");
  const fn = h("input", { type: "text", list: listId, autocomplete: "off", required: true, value: functions[0] ?? "" });
  const input = h("textarea", { rows: 5, spellcheck: "false", class: "code" }, "{}");
  const jobId = h("input", { type: "text", autocomplete: "off" });
  const idempotencyKey = h("input", { type: "text", autocomplete: "off" });
  const callbackUrl = h("input", { type: "url", autocomplete: "off", placeholder: "https://example.com/done" });
  const maxAttempts = h("input", { type: "number", min: 1, max: 20, inputmode: "numeric", placeholder: "3" });
  const schema = checkbox("Include the result's schema (enables the table view)", true, "include_result_schema");
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "run-job" },
    h("h2", { id: "run-job" }, "Run a function"),
    field("Function", fn, { name: "operation.function", hint: functions.length ? "A function bound by an execution." : "No function is bound yet: create a function execution first." }),
    h("datalist", { id: listId }, functions.map((name) => h("option", { value: name }))),
    field("Input (JSON object)", input, { name: "operation.input" }),
    schema.element,
    h(
      "details",
      null,
      h("summary", null, "More options"),
      field("Job ID", jobId, { name: "job_id", hint: "Optional; letters, digits and _ . : -. The server makes a UUID otherwise." }),
      field("Idempotency key", idempotencyKey, { name: "idempotency_key", hint: "The same key and request answer the original job." }),
      field("Callback URL", callbackUrl, { name: "callback_url", hint: "POSTed once, signed, when the job ends." }),
      field("Max attempts", maxAttempts, { name: "max_attempts" }),
    ),
    h("div", { class: "form-actions" }, h("button", { type: "submit" }, "Run job")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    void (async () => {
      try {
        const { job } = await api.jobs.executeJob({
          operation: { function: fn.value.trim(), input: parseJsonObject(input.value, "operation.input") },
          async: true,
          includeResultSchema: schema.input.checked,
          ...(jobId.value ? { jobId: jobId.value } : {}),
          ...(idempotencyKey.value ? { idempotencyKey: idempotencyKey.value } : {}),
          ...(callbackUrl.value ? { callbackUrl: callbackUrl.value } : {}),
          ...(maxAttempts.value ? { maxAttempts: Number(maxAttempts.value) } : {}),
        });
        if (job) navigate(`/jobs/${encodeURIComponent(job.id)}`);
      } catch (error) {
        showError(form, error);
      }
    })();
  });
  return form;
}
