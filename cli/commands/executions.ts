/**
 * `switchyard executions list|get|set|delete|functions|methods|services`:
 * ExecutionService. Conditions are one word each (see ../condition.ts).
 */
import { type MessageInitShape, create, fromJson } from "@bufbuild/protobuf";
import {
  DeleteExecutionResponseSchema,
  type ExecutionSearchFilterSchema,
  type ExecutionTargetSchema,
  ExecutionType,
  GetExecutionResponseSchema,
  ListExecutionFunctionsResponseSchema,
  ListExecutionMethodsResponseSchema,
  ListExecutionServicesResponseSchema,
  ListExecutionsResponseSchema,
  SetExecutionRequestSchema,
  SetExecutionResponseSchema,
} from "../../client/node.js";
import { type CommandGroup, type OptionValues, UsageError, bigintOption, listOption, requiredArg, stringOption } from "../command.js";
import { conditionHelp, parseCondition } from "../condition.js";
import { inputHelp, readJsonInput } from "../input.js";
import { enumValues, paginationOf, paginationOptions } from "../shared-options.js";
import { executionFields, executionsTable } from "../views.js";

const expectedSequence = { type: "string", value: "<n>", description: "fail unless the execution is at this sequence (0: must not exist)" } as const;

/** `<target id>` or `include:<condition>`, in order. */
function executionTargets(words: readonly string[]): MessageInitShape<typeof ExecutionTargetSchema>[] {
  return words.map((word) =>
    word.startsWith("include:") ? { type: { case: "include", value: parseCondition(word.slice("include:".length)) } } : { type: { case: "target", value: word } },
  );
}

function listFilters(values: OptionValues): MessageInitShape<typeof ExecutionSearchFilterSchema>[] {
  const filters: MessageInitShape<typeof ExecutionSearchFilterSchema>[] = [];
  const type = stringOption(values, "type");
  if (type !== undefined) filters.push({ filter: { case: "executionTypeFilter", value: { executionType: enumValues(ExecutionType, [type], "type")[0] } } });
  const conditions = (values.condition as string[] | undefined) ?? [];
  if (conditions.length > 0) filters.push({ filter: { case: "inConditionsFilter", value: { conditions: conditions.map(parseCondition) } } });
  for (const targetId of listOption(values, "target")) filters.push({ filter: { case: "targetFilter", value: { targetId } } });
  const include = stringOption(values, "include");
  if (include !== undefined) filters.push({ filter: { case: "includeFilter", value: { include: parseCondition(include) } } });
  return filters;
}

function conditionArg(positionals: readonly string[]) {
  return parseCondition(requiredArg(positionals, 0, `condition (${conditionHelp})`));
}

/** `switchyard executions …`. */
export const executionsCommands: CommandGroup = {
  list: {
    summary: "list executions",
    options: {
      type: { type: "string", value: "request|response|function|event", description: "only conditions of this kind" },
      condition: { type: "string", multiple: true, value: "<condition>", description: "only these conditions (repeatable)" },
      target: { type: "string", value: "<id>", description: "only executions that list this target" },
      include: { type: "string", value: "<condition>", description: "only executions that include this condition" },
      ...paginationOptions,
    },
    async run({ client, values, output }) {
      const reply = await client.executions.listExecutions({ pagination: paginationOf(values), filters: listFilters(values) });
      output.print(ListExecutionsResponseSchema, reply, () => executionsTable(reply.executions));
    },
  },
  get: {
    summary: "show the execution of a condition",
    args: "<condition>",
    async run({ client, positionals, output }) {
      const reply = await client.executions.getExecution({ condition: conditionArg(positionals) });
      output.print(GetExecutionResponseSchema, reply, () => (reply.execution ? executionFields(reply.execution) : ""));
    },
  },
  set: {
    summary: "bind a condition to targets and includes, in order (no targets: remove it)",
    args: "<condition> [<target id> | include:<condition>]…",
    options: {
      "expected-sequence": expectedSequence,
      input: { type: "string", value: "<json>", description: `the SetExecutionRequest as JSON (${inputHelp}) instead of arguments` },
    },
    async run({ client, values, positionals, output, io }) {
      const input = await readJsonInput(stringOption(values, "input"), io);
      if (input !== undefined && positionals.length > 0) throw new UsageError("give either --input or a condition and targets, not both");
      const request =
        input === undefined
          ? create(SetExecutionRequestSchema, { condition: conditionArg(positionals), targets: executionTargets(positionals.slice(1)) })
          : fromJson(SetExecutionRequestSchema, input);
      const sequence = bigintOption(values, "expected-sequence");
      if (sequence !== undefined) request.expectedSequence = sequence;
      const reply = await client.executions.setExecution(request);
      output.print(SetExecutionResponseSchema, reply, () => `set, sequence ${reply.details?.sequence ?? "-"}\n`);
    },
  },
  delete: {
    summary: "remove the execution of a condition",
    args: "<condition>",
    options: { "expected-sequence": expectedSequence },
    async run({ client, values, positionals, output }) {
      const sequence = bigintOption(values, "expected-sequence");
      const reply = await client.executions.deleteExecution({ condition: conditionArg(positionals), ...(sequence === undefined ? {} : { expectedSequence: sequence }) });
      output.print(DeleteExecutionResponseSchema, reply, () => (reply.details ? "deleted\n" : "no such execution\n"));
    },
  },
  functions: {
    summary: "list the function names that have an execution",
    async run({ client, output }) {
      const reply = await client.executions.listExecutionFunctions({});
      output.print(ListExecutionFunctionsResponseSchema, reply, () => reply.functions.map((name) => `${name}\n`).join(""));
    },
  },
  methods: {
    summary: "list the methods a request/response condition may name",
    async run({ client, output }) {
      const reply = await client.executions.listExecutionMethods({});
      output.print(ListExecutionMethodsResponseSchema, reply, () => reply.methods.map((name) => `${name}\n`).join(""));
    },
  },
  services: {
    summary: "list the services a request/response condition may name",
    async run({ client, output }) {
      const reply = await client.executions.listExecutionServices({});
      output.print(ListExecutionServicesResponseSchema, reply, () => reply.services.map((name) => `${name}\n`).join(""));
    },
  },
};
