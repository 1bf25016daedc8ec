/**
 * `switchyard jobs run|get|list|cancel|watch|result`: the job half of JobService.
 */
import { type JsonObject, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  CancelJobResponseSchema,
  ExecuteJobResponseSchema,
  GetJobResponseSchema,
  GetJobResultResponseSchema,
  type GetJobResultResponse,
  JobStatus,
  ListJobsResponseSchema,
  ResultFormat,
} from "../../client/node.js";
import { type CommandGroup, bigintOption, integerOption, requiredArg, stringOption } from "../command.js";
import { exitOf, followJob } from "../follow.js";
import { asJsonObject, inputHelp, readJsonInput } from "../input.js";
import { createdRangeOf, createdRangeOptions, enumValues, paginationOf, paginationOptions, statusesOf } from "../shared-options.js";
import { renderTable } from "../table.js";
import { jobFields, jobsTable } from "../views.js";

const statusHelp = "accepted, running, succeeded, failed, cancelled (comma-separated or repeated)";

/** A result table (`--format table`) as text. */
function resultText(reply: GetJobResultResponse): string {
  const result = reply.result;
  if (result.case === "xml") return result.value.endsWith("\n") ? result.value : `${result.value}\n`;
  if (result.case === "json") return `${JSON.stringify(toJson(ValueSchema, result.value), null, 2)}\n`;
  if (result.case === "table") {
    const headers = result.value.schema?.columns.map((column) => column.name) ?? [];
    const rows = result.value.rows.map((row) => row.values.map((value) => cell(toJson(ValueSchema, value))));
    return renderTable(headers, rows);
  }
  return "";
}

function cell(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** `switchyard jobs …`. */
export const jobsCommands: CommandGroup = {
  run: {
    summary: "run a function; --wait follows it to the end (exit code 3 unless it succeeds)",
    args: "<function>",
    options: {
      input: { type: "string", value: "<json>", description: `the function's input object (${inputHelp})` },
      wait: { type: "boolean", short: "w", description: "follow the job with a progress bar until it ends" },
      sync: { type: "boolean", description: "let the server wait and answer the finished job (async: false)" },
      "job-id": { type: "string", value: "<id>", description: "your own job id (unique)" },
      "idempotency-key": { type: "string", value: "<key>", description: "the same key and request answer the original job" },
      "callback-url": { type: "string", value: "<url>", description: "receives one signed POST when the job ends" },
      "max-attempts": { type: "string", value: "<n>", description: "runs on retryable failures, 1..20" },
      schema: { type: "boolean", description: "include a schema beside a tabular result" },
    },
    async run({ client, values, positionals, output, io }) {
      const input = await readJsonInput(stringOption(values, "input"), io);
      const maxAttempts = integerOption(values, "max-attempts");
      const [jobId, idempotencyKey, callbackUrl] = ["job-id", "idempotency-key", "callback-url"].map((option) => stringOption(values, option));
      const reply = await client.jobs.executeJob({
        operation: { function: requiredArg(positionals, 0, "function name"), input: input === undefined ? {} : (asJsonObject(input) as JsonObject) },
        async: values.sync !== true,
        includeResultSchema: values.schema === true,
        ...(jobId === undefined ? {} : { jobId }),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        ...(callbackUrl === undefined ? {} : { callbackUrl }),
        ...(maxAttempts === undefined ? {} : { maxAttempts }),
      });
      const job = reply.job;
      if (values.wait === true && job && values.sync !== true) return followJob(client, job.id, output, io);
      output.print(ExecuteJobResponseSchema, reply, () => (job ? jobFields(job) : ""));
      return job ? exitOf(job.status) : 0;
    },
  },
  get: {
    summary: "show one job",
    args: "<id>",
    async run({ client, positionals, output }) {
      const reply = await client.jobs.getJob({ id: requiredArg(positionals, 0, "job id") });
      output.print(GetJobResponseSchema, reply, () => (reply.job ? jobFields(reply.job) : ""));
    },
  },
  list: {
    summary: "list jobs",
    options: {
      status: { type: "string", multiple: true, value: "<status>", description: statusHelp },
      function: { type: "string", value: "<name>", description: "only jobs of this function" },
      ...createdRangeOptions,
      ...paginationOptions,
    },
    async run({ client, values, output }) {
      const functionName = stringOption(values, "function");
      const created = createdRangeOf(values);
      const reply = await client.jobs.listJobs({
        pagination: paginationOf(values),
        statuses: statusesOf(values, JobStatus),
        ...(functionName === undefined ? {} : { function: functionName }),
        ...(created ? { created } : {}),
      });
      output.print(ListJobsResponseSchema, reply, () => jobsTable(reply.jobs));
    },
  },
  cancel: {
    summary: "cancel a job that has not finished",
    args: "<id>",
    options: { "expected-sequence": { type: "string", value: "<n>", description: "fail unless the job is at this sequence" } },
    async run({ client, values, positionals, output }) {
      const expectedSequence = bigintOption(values, "expected-sequence");
      const reply = await client.jobs.cancelJob({ id: requiredArg(positionals, 0, "job id"), ...(expectedSequence === undefined ? {} : { expectedSequence }) });
      output.print(CancelJobResponseSchema, reply, () => (reply.job ? jobFields(reply.job) : ""));
    },
  },
  watch: {
    summary: "follow a job with a progress bar until it ends (exit code 3 unless it succeeds)",
    args: "<id>",
    async run({ client, positionals, output, io }) {
      return followJob(client, requiredArg(positionals, 0, "job id"), output, io);
    },
  },
  result: {
    summary: "print a succeeded job's result",
    args: "<id>",
    options: { format: { type: "string", value: "json|table|xml", description: "how to render the result (default json)" } },
    async run({ client, values, positionals, output }) {
      const format = enumValues(ResultFormat, [stringOption(values, "format") ?? "json"], "format")[0]!;
      const reply = await client.jobs.getJobResult({ id: requiredArg(positionals, 0, "job id"), format });
      // The xml format is a document: print it as is even with --output json.
      if (reply.result.case === "xml") return output.raw(reply.result.value);
      output.print(GetJobResultResponseSchema, reply, () => resultText(reply));
    },
  },
};
