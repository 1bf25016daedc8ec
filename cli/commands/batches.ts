/**
 * `switchyard batches run|get|items|cancel|watch`: the batch half of JobService.
 */
import { type JsonObject, type MessageInitShape, create, fromJson } from "@bufbuild/protobuf";
import {
  type BatchItemRequestSchema,
  CancelBatchResponseSchema,
  type ExecuteBatchRequest,
  ExecuteBatchRequestSchema,
  ExecuteBatchResponseSchema,
  GetBatchResponseSchema,
  JobStatus,
  ListBatchItemsResponseSchema,
} from "../../client/node.js";
import { type CommandGroup, UsageError, bigintOption, requiredArg, stringOption } from "../command.js";
import { exitOf, followBatch } from "../follow.js";
import { asJsonObject, inputHelp, readJsonInput } from "../input.js";
import { enumName, paginationOf, paginationOptions, statusesOf } from "../shared-options.js";
import { renderTable } from "../table.js";
import { batchFields } from "../views.js";

/**
 * The ExecuteBatchRequest of `batches run`: with a function, `--input` is a
 * JSON array of inputs (one job each); without, it is the request itself or
 * its `items` array.
 */
function batchRequest(functionName: string | undefined, input: unknown): ExecuteBatchRequest {
  if (functionName !== undefined) {
    if (!Array.isArray(input)) throw new UsageError("with a function, --input must be a JSON array of input objects (one job each)");
    const items: MessageInitShape<typeof BatchItemRequestSchema>[] = input.map((item, index) => ({
      operation: { function: functionName, input: asJsonObject(item, `input[${index}]`) as JsonObject },
    }));
    return create(ExecuteBatchRequestSchema, { items });
  }
  if (input === undefined) throw new UsageError("batches run needs --input: an array of inputs with a function, or the items");
  return fromJson(ExecuteBatchRequestSchema, Array.isArray(input) ? { items: input } : (input as JsonObject));
}

/** `switchyard batches …`. */
export const batchesCommands: CommandGroup = {
  run: {
    summary: "run many jobs as one batch; --wait follows it (exit code 3 unless every job succeeds)",
    args: "[<function>]",
    options: {
      input: { type: "string", value: "<json>", description: `with <function>: an array of inputs; without: the items [{"operation":{"function","input"},"jobId"?}] or the whole request (${inputHelp})` },
      wait: { type: "boolean", short: "w", description: "follow the batch with a progress bar until it ends" },
      "callback-url": { type: "string", value: "<url>", description: "receives one signed POST when the batch ends" },
      "idempotency-key": { type: "string", value: "<key>", description: "the same key and request answer the original batch" },
      schema: { type: "boolean", description: "include a schema beside each tabular result" },
    },
    async run({ client, values, positionals, output, io }) {
      const input = await readJsonInput(stringOption(values, "input"), io);
      const [callbackUrl, idempotencyKey] = ["callback-url", "idempotency-key"].map((option) => stringOption(values, option));
      const request = batchRequest(positionals[0], input);
      if (callbackUrl !== undefined) request.callbackUrl = callbackUrl;
      if (idempotencyKey !== undefined) request.idempotencyKey = idempotencyKey;
      if (values.schema === true) request.includeResultSchema = true;
      const reply = await client.jobs.executeBatch(request);
      const batch = reply.batch;
      if (values.wait === true && batch) return followBatch(client, batch.id, output, io);
      output.print(ExecuteBatchResponseSchema, reply, () => (batch ? batchFields(batch) : ""));
      return batch ? exitOf(batch.status) : 0;
    },
  },
  get: {
    summary: "show one batch",
    args: "<id>",
    async run({ client, positionals, output }) {
      const reply = await client.jobs.getBatch({ id: requiredArg(positionals, 0, "batch id") });
      output.print(GetBatchResponseSchema, reply, () => (reply.batch ? batchFields(reply.batch) : ""));
    },
  },
  items: {
    summary: "list a batch's items in order, with their jobs",
    args: "<id>",
    options: {
      status: { type: "string", multiple: true, value: "<status>", description: "only items whose job has this status" },
      ...paginationOptions,
    },
    async run({ client, values, positionals, output }) {
      const pagination = { ...paginationOf(values), asc: true };
      const reply = await client.jobs.listBatchItems({ batchId: requiredArg(positionals, 0, "batch id"), pagination, statuses: statusesOf(values, JobStatus) });
      output.print(ListBatchItemsResponseSchema, reply, () =>
        renderTable(
          ["index", "job", "status", "error"],
          reply.items.map((item) => [String(item.index), item.job?.id ?? "", enumName(JobStatus, item.job?.status ?? 0), item.job?.error?.message ?? ""]),
        ),
      );
    },
  },
  cancel: {
    summary: "cancel whatever in a batch has not finished",
    args: "<id>",
    options: { "expected-sequence": { type: "string", value: "<n>", description: "fail unless the batch is at this sequence" } },
    async run({ client, values, positionals, output }) {
      const expectedSequence = bigintOption(values, "expected-sequence");
      const reply = await client.jobs.cancelBatch({ id: requiredArg(positionals, 0, "batch id"), ...(expectedSequence === undefined ? {} : { expectedSequence }) });
      output.print(CancelBatchResponseSchema, reply, () => (reply.batch ? batchFields(reply.batch) : ""));
    },
  },
  watch: {
    summary: "follow a batch with a progress bar until it ends (exit code 3 unless every job succeeds)",
    args: "<id>",
    async run({ client, positionals, output, io }) {
      return followBatch(client, requiredArg(positionals, 0, "batch id"), output, io);
    },
  },
};
