/**
 * What the benchmark calls: the request bodies (JSON and binary) for each RPC
 * and its echo twin, after seeding the targets they refer to.
 */
import { type MessageInitShape, create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { GetTargetRequestSchema } from "../gen/switchyard/v1/target_pb.js";
import { SetExecutionRequestSchema } from "../gen/switchyard/v1/execution_pb.js";
import { benchJsonHeaders } from "./auth.js";
import { echoPathPrefix, laneEchoPathPrefix } from "./echo-service.js";

export interface Workload {
  readonly name: string;
  readonly path: string;
  readonly echoPath: string;
  /** The same echo behind the unary lane (Connect unary POSTs only). */
  readonly laneEchoPath: string;
  readonly jsonBodies: readonly string[];
  readonly binaryBodies: readonly Uint8Array[];
  /** Required ratio to the echo baseline. */
  readonly goal: number;
}

/** Keys written round-robin, so concurrent writers rarely touch the same execution. */
const executionKeys = 64;

async function createTarget(baseUrl: string, name: string): Promise<string> {
  const response = await fetch(`${baseUrl}/switchyard.v1.TargetService/CreateTarget`, {
    method: "POST",
    headers: benchJsonHeaders,
    body: JSON.stringify({ name, endpoint: "http://127.0.0.1:9000/hook", timeout: "5s", restWebhook: {} }),
  });
  if (!response.ok) throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** Seeds the store and returns the workloads. */
export async function prepareWorkloads(baseUrl: string): Promise<Workload[]> {
  const ids: string[] = [];
  for (let index = 0; index < 100; index++) ids.push(await createTarget(baseUrl, `bench-${index}`));
  const getTarget = create(GetTargetRequestSchema, { id: ids[42]! });

  // Request n sets key n % 64 to list (n / 64) % 2: every call really changes
  // the execution (an identical list would write nothing and flatter the result).
  const lists = [[ids[0]!], [ids[0]!, ids[1]!]];
  const setRequests = Array.from({ length: executionKeys * 2 }, (_, n) => {
    const init: MessageInitShape<typeof SetExecutionRequestSchema> = {
      condition: { conditionType: { case: "function", value: { name: `bench-${n % executionKeys}` } } },
      targets: lists[Math.floor(n / executionKeys) % 2]!.map((id) => ({ type: { case: "target" as const, value: id } })),
    };
    return create(SetExecutionRequestSchema, init);
  });
  return [
    {
      name: "GetTarget",
      path: "/switchyard.v1.TargetService/GetTarget",
      echoPath: `${echoPathPrefix}GetTarget`,
      laneEchoPath: `${laneEchoPathPrefix}GetTarget`,
      jsonBodies: [toJsonString(GetTargetRequestSchema, getTarget)],
      binaryBodies: [toBinary(GetTargetRequestSchema, getTarget)],
      goal: 0.9,
    },
    {
      name: "SetExecution",
      path: "/switchyard.v1.ExecutionService/SetExecution",
      echoPath: `${echoPathPrefix}SetExecution`,
      laneEchoPath: `${laneEchoPathPrefix}SetExecution`,
      jsonBodies: setRequests.map((request) => toJsonString(SetExecutionRequestSchema, request)),
      binaryBodies: setRequests.map((request) => toBinary(SetExecutionRequestSchema, request)),
      goal: 0.7,
    },
  ];
}
