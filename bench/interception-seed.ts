/**
 * Executions for the interception benchmark that never match GetTarget: a
 * request and a response execution on every other unary method of the
 * switchyard.v1 API, service executions on the services GetTarget is not in,
 * and function and event executions. No `request all` / `response all`:
 * those would match.
 */
import type { DescService } from "@bufbuild/protobuf";
import { DeliveryService } from "../gen/switchyard/v1/delivery_pb.js";
import { EventService } from "../gen/switchyard/v1/event_pb.js";
import { ExecutionService } from "../gen/switchyard/v1/execution_pb.js";
import { JobService } from "../gen/switchyard/v1/job_pb.js";
import { TargetService } from "../gen/switchyard/v1/target_pb.js";
import { jsonHeaders, postJson } from "./bench-process.js";

/** The RPC measured; nothing seeded here matches it. */
export const measuredMethod = "/switchyard.v1.TargetService/GetTarget";
/** An RPC whose request execution has an interrupting, unreachable target: it fails exactly when interception is on. */
export const probeMethod = "/switchyard.v1.EventService/ListEvents";

const services: readonly DescService[] = [TargetService, ExecutionService, JobService, EventService, DeliveryService];
const setExecutionPath = "/switchyard.v1.ExecutionService/SetExecution";

async function createTarget(baseUrl: string, name: string, interruptOnError: boolean): Promise<string> {
  // Port 1 on loopback refuses connections: a call fails at once, without waiting for a timeout.
  const created = await postJson(baseUrl, "/switchyard.v1.TargetService/CreateTarget", {
    name,
    endpoint: "http://127.0.0.1:1/hook",
    timeout: "5s",
    restWebhook: interruptOnError ? { interruptOnError: true } : {},
  });
  return created.id as string;
}

/** Unary methods of the API other than the measured one, `/pkg.Svc/Method`. */
function otherUnaryMethods(): string[] {
  return services.flatMap((service) =>
    service.methods
      .filter((method) => method.methodKind === "unary")
      .map((method) => `/${service.typeName}/${method.name}`)
      .filter((fullMethod) => fullMethod !== measuredMethod),
  );
}

/** Seeds the executions; answers how many of each kind were set. */
export async function seedNonMatchingExecutions(baseUrl: string): Promise<{ method: number; service: number; function: number; event: number }> {
  const quiet = await createTarget(baseUrl, "interception-quiet", false);
  const interrupting = await createTarget(baseUrl, "interception-interrupting", true);
  const set = (condition: object, target: string) => postJson(baseUrl, setExecutionPath, { condition, targets: [{ target }] });

  const methods = otherUnaryMethods();
  const serviceNames = services.filter((service) => service !== TargetService).map((service) => service.typeName);
  // Executions that match SetExecution itself go last: once one is set, every further SetExecution is intercepted.
  const matchesSetExecution = (condition: { method?: string; service?: string }) =>
    condition.method === setExecutionPath || condition.service === ExecutionService.typeName;
  const rpcConditions = [...serviceNames.map((service) => ({ service })), ...methods.map((method) => ({ method }))].sort(
    (a, b) => Number(matchesSetExecution(a)) - Number(matchesSetExecution(b)),
  );
  for (let index = 0; index < 10; index++) await set({ function: { name: `bench-function-${index}` } }, quiet);
  for (let index = 0; index < 10; index++) await set({ event: { event: `bench.other-${index}` } }, quiet);
  for (const condition of rpcConditions) {
    for (const side of ["request", "response"]) {
      const target = side === "request" && "method" in condition && condition.method === probeMethod ? interrupting : quiet;
      await set({ [side]: condition }, target);
    }
  }
  return { method: methods.length * 2, service: serviceNames.length * 2, function: 10, event: 10 };
}

/** True when `probeMethod` fails on this server, i.e. its request execution ran. */
export async function probeIntercepts(baseUrl: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}${probeMethod}`, { method: "POST", headers: jsonHeaders, body: "{}" });
  await response.arrayBuffer();
  return !response.ok;
}
