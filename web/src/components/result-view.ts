/**
 * A succeeded job's result as JSON, as a table (when the job has a result
 * schema) or as XML, in accessible tabs (arrow keys move between them).
 */
import { toJson } from "@bufbuild/protobuf";
import { ListValueSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { ColumnType, type Job, ResultFormat } from "../../../client/index.js";
import { api } from "../api.js";
import { h, replaceChildren, uniqueId } from "../dom.js";
import { showInlineError } from "../errors.js";
import { jsonBlock } from "../format.js";
import { dataTable } from "./table.js";

type View = "json" | "table" | "xml";

/** The result viewer of `job` (which has succeeded). */
export function resultView(job: Job): HTMLElement {
  const hasSchema = (job.resultSchema?.columns.length ?? 0) > 0;
  const views: [View, string][] = [["json", "JSON"], ...(hasSchema ? [["table", "Table"] as [View, string]] : []), ["xml", "XML"]];
  const base = uniqueId("result");
  const panel = h("div", { class: "tab-panel", role: "tabpanel", tabindex: 0 });
  const tabs = views.map(([view, label]) =>
    h("button", { type: "button", role: "tab", id: `${base}-${view}`, "aria-controls": `${base}-panel`, "aria-selected": "false", tabindex: -1 }, label),
  );
  panel.id = `${base}-panel`;
  const show = async (index: number, focus: boolean) => {
    tabs.forEach((tab, i) => {
      tab.setAttribute("aria-selected", String(i === index));
      tab.tabIndex = i === index ? 0 : -1;
    });
    if (focus) tabs[index]!.focus();
    const [view] = views[index]!;
    panel.setAttribute("aria-labelledby", `${base}-${view}`);
    replaceChildren(panel, h("p", { class: "hint" }, "Loading…"));
    try {
      replaceChildren(panel, await render(job, view));
    } catch (error) {
      showInlineError(panel, error);
    }
  };
  tabs.forEach((tab, index) => {
    tab.addEventListener("click", () => void show(index, false));
    tab.addEventListener("keydown", (event) => {
      const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (step === 0) return;
      event.preventDefault();
      void show((index + step + tabs.length) % tabs.length, true);
    });
  });
  void show(hasSchema ? 1 : 0, false);
  return h("div", { class: "result-view" }, h("div", { role: "tablist", "aria-label": "Result format" }, tabs), panel);
}

async function render(job: Job, view: View): Promise<HTMLElement> {
  if (view === "json") return jsonBlock(job.result ? toJson(ValueSchema, job.result) : null, "Result as JSON");
  if (view === "xml") {
    const answer = await api.jobs.getJobResult({ id: job.id, format: ResultFormat.XML });
    return h("pre", { class: "json", tabindex: 0, "aria-label": "Result as XML" }, answer.result.case === "xml" ? answer.result.value : "");
  }
  const answer = await api.jobs.getJobResult({ id: job.id, format: ResultFormat.TABLE });
  if (answer.result.case !== "table") return h("p", null, "The result is not a table.");
  const columns = answer.result.value.schema?.columns ?? [];
  const rows = answer.result.value.rows.map((row) =>
    (toJson(ListValueSchema, row) as unknown[]).map((cell) => (cell === null || cell === undefined ? "" : typeof cell === "object" ? JSON.stringify(cell) : String(cell))),
  );
  const headers = columns.map((column) => (column.type === ColumnType.UNSPECIFIED ? column.name : `${column.name} (${ColumnType[column.type].toLowerCase()})`));
  return dataTable("Result rows", headers, rows, "The result has no rows.");
}
