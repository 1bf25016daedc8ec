/**
 * `switchyard events list|watch|push`: EventService.
 */
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { type EventFilterSchema, ListEventsResponseSchema, PushEventResponseSchema, WatchEventsResponseSchema } from "../../client/node.js";
import { type CommandGroup, type OptionSpec, type OptionValues, bigintOption, integerOption, listOption, requiredArg, stringOption, UsageError } from "../command.js";
import { asJsonObject, inputHelp, readJsonInput } from "../input.js";
import { createdRangeOf, createdRangeOptions, paginationOf, paginationOptions } from "../shared-options.js";
import { eventLine, eventsTable } from "../views.js";

const filterOptions: Readonly<Record<string, OptionSpec>> = {
  "aggregate-type": { type: "string", value: "<type>", description: "only events of this aggregate type, e.g. target" },
  "aggregate-id": { type: "string", value: "<id>", description: "only events of this aggregate" },
  type: { type: "string", multiple: true, value: "<type,…>", description: "only these event types" },
  "from-position": { type: "string", value: "<n>", description: "start at this position (inclusive)" },
};

function filterOf(values: OptionValues): MessageInitShape<typeof EventFilterSchema> {
  const [aggregateType, aggregateId] = ["aggregate-type", "aggregate-id"].map((option) => stringOption(values, option));
  return {
    types: listOption(values, "type"),
    ...(aggregateType === undefined ? {} : { aggregateType }),
    ...(aggregateId === undefined ? {} : { aggregateId }),
  };
}

/** `switchyard events …`. */
export const eventsCommands: CommandGroup = {
  list: {
    summary: "list stored events",
    options: { ...filterOptions, ...createdRangeOptions, ...paginationOptions },
    async run({ client, values, output }) {
      const fromPosition = bigintOption(values, "from-position");
      const created = createdRangeOf(values);
      const reply = await client.events.listEvents({
        pagination: paginationOf(values),
        filter: filterOf(values),
        ...(fromPosition === undefined ? {} : { fromPosition }),
        ...(created ? { created } : {}),
      });
      output.print(ListEventsResponseSchema, reply, () => eventsTable(reply.events));
    },
  },
  watch: {
    summary: "stream events as they are written (one JSON line each with --output json); Ctrl-C ends it",
    options: {
      ...filterOptions,
      count: { type: "string", value: "<n>", description: "stop after this many events" },
    },
    async run({ client, values, output, io }) {
      const fromPosition = bigintOption(values, "from-position");
      const count = integerOption(values, "count");
      if (count === 0) return;
      // Leaving the loop alone does not close a fetch-based stream: abort it, or the process waits on the open response.
      const done = new AbortController();
      const stream = client.events.watchEvents(
        { filter: filterOf(values), ...(fromPosition === undefined ? {} : { fromPosition }) },
        { signal: AbortSignal.any([io.signal, done.signal]) },
      );
      let seen = 0;
      try {
        for await (const message of stream) {
          output.streamed(WatchEventsResponseSchema, message, () => (message.event ? eventLine(message.event) : ""));
          if (count !== undefined && ++seen >= count) break;
        }
      } finally {
        done.abort();
      }
    },
  },
  push: {
    summary: "append your own event; it triggers event executions like a system event",
    args: "<type>",
    options: {
      "aggregate-type": { type: "string", value: "<type>", description: "kind of aggregate, e.g. order (required)" },
      "aggregate-id": { type: "string", value: "<id>", description: "id of the aggregate (required)" },
      input: { type: "string", value: "<json>", description: `the payload object (${inputHelp})` },
      "idempotency-key": { type: "string", value: "<key>", description: "the same key and event answer the original event" },
    },
    async run({ client, values, positionals, output, io }) {
      const [aggregateType, aggregateId, idempotencyKey] = ["aggregate-type", "aggregate-id", "idempotency-key"].map((option) => stringOption(values, option));
      if (aggregateType === undefined || aggregateId === undefined) throw new UsageError("events push needs --aggregate-type and --aggregate-id");
      const payload = await readJsonInput(stringOption(values, "input"), io);
      const reply = await client.events.pushEvent({
        type: requiredArg(positionals, 0, "event type"),
        aggregateType,
        aggregateId,
        payload: payload === undefined ? {} : (asJsonObject(payload) as JsonObject),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      });
      output.print(PushEventResponseSchema, reply, () => (reply.event ? eventsTable([reply.event]) : ""));
    },
  },
};
