/**
 * `switchyard deliveries list|get|redeliver`: DeliveryService.
 */
import { DeliveryStatus, GetDeliveryResponseSchema, ListDeliveriesResponseSchema, RedeliverResponseSchema } from "../../client/node.js";
import { type CommandGroup, UsageError, bigintOption, requiredArg, stringOption } from "../command.js";
import { createdRangeOf, createdRangeOptions, paginationOf, paginationOptions, statusesOf } from "../shared-options.js";
import { deliveriesTable, deliveryFields } from "../views.js";

/** `switchyard deliveries …`. */
export const deliveriesCommands: CommandGroup = {
  list: {
    summary: "list deliveries (without their attempts)",
    options: {
      target: { type: "string", value: "<id>", description: "only deliveries to this target" },
      status: { type: "string", multiple: true, value: "<status>", description: "pending, succeeded, failed, dead (comma-separated or repeated)" },
      job: { type: "string", value: "<id>", description: "only deliveries of this job" },
      event: { type: "string", value: "<position>", description: "only deliveries of this event" },
      ...createdRangeOptions,
      ...paginationOptions,
    },
    async run({ client, values, output }) {
      const [targetId, jobId] = ["target", "job"].map((option) => stringOption(values, option));
      const eventPosition = bigintOption(values, "event");
      const created = createdRangeOf(values);
      const reply = await client.deliveries.listDeliveries({
        pagination: paginationOf(values),
        statuses: statusesOf(values, DeliveryStatus),
        ...(targetId === undefined ? {} : { targetId }),
        ...(jobId === undefined ? {} : { jobId }),
        ...(eventPosition === undefined ? {} : { eventPosition }),
        ...(created ? { created } : {}),
      });
      output.print(ListDeliveriesResponseSchema, reply, () => deliveriesTable(reply.deliveries));
    },
  },
  get: {
    summary: "show a delivery with every attempt",
    args: "<id>",
    async run({ client, positionals, output }) {
      const reply = await client.deliveries.getDelivery({ id: requiredArg(positionals, 0, "delivery id") });
      output.print(GetDeliveryResponseSchema, reply, () => (reply.delivery ? deliveryFields(reply.delivery) : ""));
    },
  },
  redeliver: {
    summary: "schedule a delivery again, or every dead one of a target (--dead --target <id>)",
    args: "[<id>]",
    options: {
      dead: { type: "boolean", description: "every dead delivery of --target (optionally --since/--until)" },
      target: { type: "string", value: "<id>", description: "with --dead: the target" },
      ...createdRangeOptions,
    },
    async run({ client, values, positionals, output }) {
      const id = positionals[0];
      const targetId = stringOption(values, "target");
      if (values.dead === true) {
        if (id !== undefined || targetId === undefined) throw new UsageError("redeliver --dead needs --target <id> and no delivery id");
        const created = createdRangeOf(values);
        const reply = await client.deliveries.redeliver({ selector: { case: "dead", value: { targetId, ...(created ? { created } : {}) } } });
        return output.print(RedeliverResponseSchema, reply, () => `scheduled ${reply.count} deliveries again\n`);
      }
      const reply = await client.deliveries.redeliver({ selector: { case: "deliveryId", value: requiredArg(positionals, 0, "delivery id (or --dead --target <id>)") } });
      output.print(RedeliverResponseSchema, reply, () => `scheduled ${reply.count} delivery again\n`);
    },
  },
};
