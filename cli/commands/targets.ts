/**
 * `switchyard targets list|get|create|update|delete`: TargetService.
 */
import { type MessageInitShape, create, fromJson } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import {
  CreateTargetRequestSchema,
  CreateTargetResponseSchema,
  DeleteTargetResponseSchema,
  GetTargetResponseSchema,
  ListTargetsResponseSchema,
  PayloadType,
  type TargetSearchFilterSchema,
  TargetFieldName,
  TargetState,
  TextFilterMethod,
  UpdateTargetRequestSchema,
  UpdateTargetResponseSchema,
} from "../../client/node.js";
import { type CommandGroup, type OptionSpec, type OptionValues, UsageError, bigintOption, listOption, requiredArg, stringOption } from "../command.js";
import { inputHelp, readJsonInput } from "../input.js";
import { enumValues, paginationOf, paginationOptions, parseDuration } from "../shared-options.js";
import { renderFields } from "../table.js";
import { targetFields, targetsTable } from "../views.js";

const fieldOptions: Readonly<Record<string, OptionSpec>> = {
  name: { type: "string", value: "<name>", description: "unique name" },
  endpoint: { type: "string", value: "<url>", description: "absolute http(s) URL that receives the POST" },
  type: { type: "string", value: "webhook|call|async", description: "webhook: wait, ignore the body; call: wait, the JSON body replaces the payload; async: deliver durably" },
  "interrupt-on-error": { type: "boolean", description: "with --type webhook or call: a failed call stops the chain" },
  timeout: { type: "string", value: "<duration>", description: "call timeout, e.g. 5s (at most 270s; create: 10s when not given)" },
  "payload-type": { type: "string", value: "json|jwt", description: "body encoding" },
  input: { type: "string", value: "<json>", description: `the request as JSON (${inputHelp}); options override its fields` },
};

/** The target_type oneof of `--type` and `--interrupt-on-error`. */
function targetTypeOf(values: OptionValues): MessageInitShape<typeof CreateTargetRequestSchema>["targetType"] | undefined {
  const type = stringOption(values, "type");
  const interruptOnError = values["interrupt-on-error"] === true;
  if (type === undefined) {
    if (interruptOnError) throw new UsageError("--interrupt-on-error needs --type webhook or --type call");
    return undefined;
  }
  switch (type) {
    case "webhook":
      return { case: "restWebhook", value: { interruptOnError } };
    case "call":
      return { case: "restCall", value: { interruptOnError } };
    case "async":
      if (interruptOnError) throw new UsageError("--interrupt-on-error does not apply to --type async");
      return { case: "restAsync", value: {} };
    default:
      throw new UsageError(`--type ${type}: expected webhook, call or async`);
  }
}

function payloadTypeOf(values: OptionValues): PayloadType | undefined {
  const text = stringOption(values, "payload-type");
  return text === undefined ? undefined : enumValues(PayloadType, [text], "payload-type")[0];
}

const nameMatches: Readonly<Record<string, TextFilterMethod>> = {
  equals: TextFilterMethod.EQUALS,
  "starts-with": TextFilterMethod.STARTS_WITH_IGNORE_CASE,
  contains: TextFilterMethod.CONTAINS_IGNORE_CASE,
  "ends-with": TextFilterMethod.ENDS_WITH_IGNORE_CASE,
};

function listFilters(values: OptionValues): MessageInitShape<typeof TargetSearchFilterSchema>[] {
  const filters: MessageInitShape<typeof TargetSearchFilterSchema>[] = [];
  const name = stringOption(values, "name");
  if (name !== undefined) {
    const match = stringOption(values, "match") ?? "contains";
    const method = nameMatches[match];
    if (method === undefined) throw new UsageError(`--match ${match}: expected ${Object.keys(nameMatches).join(", ")}`);
    filters.push({ filter: { case: "targetNameFilter", value: { targetName: name, method } } });
  }
  const ids = listOption(values, "id");
  if (ids.length > 0) filters.push({ filter: { case: "inTargetIdsFilter", value: { targetIds: ids } } });
  return filters;
}

/** The signing key, with the warning that it is shown once. */
function signingKeyFields(id: string | undefined, signingKey: string): string {
  return renderFields([
    ["id", id],
    ["signing key", signingKey],
  ]);
}

/** `switchyard targets …`. */
export const targetsCommands: CommandGroup = {
  list: {
    summary: "list targets",
    options: {
      name: { type: "string", value: "<text>", description: "only targets whose name matches (see --match)" },
      match: { type: "string", value: "contains|starts-with|ends-with|equals", description: "how --name compares (default contains, ignoring case)" },
      id: { type: "string", multiple: true, value: "<id,…>", description: "only these ids" },
      sort: { type: "string", value: "<field>", description: "id, creation-date, change-date, name, target-type, endpoint or timeout" },
      ...paginationOptions,
    },
    async run({ client, values, output }) {
      const sort = stringOption(values, "sort");
      const reply = await client.targets.listTargets({
        pagination: paginationOf(values),
        filters: listFilters(values),
        ...(sort ? { sortingColumn: enumValues(TargetFieldName, [sort], "sort")[0] } : {}),
      });
      output.print(ListTargetsResponseSchema, reply, () => targetsTable(reply.targets));
    },
  },
  get: {
    summary: "show one target (never its signing key)",
    args: "<id>",
    async run({ client, positionals, output }) {
      const reply = await client.targets.getTarget({ id: requiredArg(positionals, 0, "target id") });
      output.print(GetTargetResponseSchema, reply, () => (reply.target ? targetFields(reply.target) : ""));
    },
  },
  create: {
    summary: "create a target; prints its id and signing key (shown only this once)",
    options: fieldOptions,
    async run({ client, values, output, io }) {
      const input = await readJsonInput(stringOption(values, "input"), io);
      const request = input === undefined ? create(CreateTargetRequestSchema) : fromJson(CreateTargetRequestSchema, input);
      const name = stringOption(values, "name");
      const endpoint = stringOption(values, "endpoint");
      const timeout = stringOption(values, "timeout");
      const targetType = targetTypeOf(values);
      const payloadType = payloadTypeOf(values);
      if (name !== undefined) request.name = name;
      if (endpoint !== undefined) request.endpoint = endpoint;
      if (timeout !== undefined || !request.timeout) request.timeout = create(DurationSchema, parseDuration(timeout ?? "10s", "timeout"));
      if (targetType) request.targetType = create(CreateTargetRequestSchema, { targetType }).targetType;
      if (payloadType !== undefined) request.payloadType = payloadType;
      const reply = await client.targets.createTarget(request);
      output.print(CreateTargetResponseSchema, reply, () => signingKeyFields(reply.id, reply.signingKey));
      output.note("the signing key is shown only this once: keep it to verify webhook-signature");
    },
  },
  update: {
    summary: "change the fields given; --rotate-key answers a new signing key",
    args: "<id>",
    options: {
      ...fieldOptions,
      "rotate-key": { type: "boolean", description: "generate a new signing key (the previous one stays valid for --overlap)" },
      overlap: { type: "string", value: "<duration>", description: "how long the previous key stays valid (default 24h)" },
      state: { type: "string", value: "active|disabled", description: "enable or disable the target" },
      "expected-sequence": { type: "string", value: "<n>", description: "fail unless the target is at this sequence" },
    },
    async run({ client, values, positionals, output, io }) {
      const input = await readJsonInput(stringOption(values, "input"), io);
      const request = input === undefined ? create(UpdateTargetRequestSchema) : fromJson(UpdateTargetRequestSchema, input);
      request.id = requiredArg(positionals, 0, "target id");
      const [name, endpoint, timeout, overlap, state] = ["name", "endpoint", "timeout", "overlap", "state"].map((option) => stringOption(values, option));
      const targetType = targetTypeOf(values);
      const payloadType = payloadTypeOf(values);
      const expectedSequence = bigintOption(values, "expected-sequence");
      if (name !== undefined) request.name = name;
      if (endpoint !== undefined) request.endpoint = endpoint;
      if (timeout !== undefined) request.timeout = create(DurationSchema, parseDuration(timeout, "timeout"));
      if (targetType) request.targetType = create(UpdateTargetRequestSchema, { targetType }).targetType;
      if (payloadType !== undefined) request.payloadType = payloadType;
      if (values["rotate-key"] === true) request.rotateSigningKey = true;
      if (overlap !== undefined) request.signingKeyOverlap = create(DurationSchema, parseDuration(overlap, "overlap"));
      if (state !== undefined) request.state = enumValues(TargetState, [state], "state")[0]!;
      if (expectedSequence !== undefined) request.expectedSequence = expectedSequence;
      const reply = await client.targets.updateTarget(request);
      output.print(UpdateTargetResponseSchema, reply, () =>
        renderFields([
          ["sequence", String(reply.details?.sequence ?? "")],
          ["signing key", reply.signingKey],
        ]),
      );
      if (reply.signingKey) output.note("the new signing key is shown only this once");
    },
  },
  delete: {
    summary: "delete a target and remove it from every execution (idempotent)",
    args: "<id>",
    options: { "expected-sequence": { type: "string", value: "<n>", description: "fail unless the target is at this sequence" } },
    async run({ client, values, positionals, output }) {
      const id = requiredArg(positionals, 0, "target id");
      const expectedSequence = bigintOption(values, "expected-sequence");
      const reply = await client.targets.deleteTarget({ id, ...(expectedSequence === undefined ? {} : { expectedSequence }) });
      output.print(DeleteTargetResponseSchema, reply, () => (reply.details ? `deleted ${id}\n` : `no target ${id}\n`));
    },
  },
};
