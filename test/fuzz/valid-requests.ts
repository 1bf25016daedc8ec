/**
 * One valid request (Connect JSON) for some RPCs. The fuzzer spoils one part
 * of it at a time, so the rest still passes validation and the hostile value
 * reaches the handler, the domain and the store.
 */
import type { JsonObject } from "@bufbuild/protobuf";

/** Valid requests by procedure (`package.Service/Method`). */
export const validRequests: Readonly<Record<string, JsonObject>> = {
  "switchyard.v1.TargetService/CreateTarget": {
    name: "fuzzed",
    endpoint: "https://a.example.com/hook",
    timeout: "5s",
    restWebhook: { interruptOnError: true },
  },
  "switchyard.v1.TargetService/ListTargets": { pagination: { limit: 10, asc: true } },
  "switchyard.v1.ExecutionService/SetExecution": { condition: { event: { event: "order.placed" } }, targets: [] },
  "switchyard.v1.EventService/PushEvent": {
    type: "order.placed",
    aggregateType: "order",
    aggregateId: "o-1",
    payload: { total: 12.5, items: ["a", { sku: "b" }] },
  },
  "switchyard.v1.EventService/ListEvents": { pagination: { limit: 10 } },
  "switchyard.v1.JobService/ExecuteJob": { operation: { function: "fuzzed", input: { a: 1 } }, async: true },
  "switchyard.v1.JobService/ExecuteBatch": { items: [{ operation: { function: "fuzzed", input: { a: [1, 2] } } }] },
};
