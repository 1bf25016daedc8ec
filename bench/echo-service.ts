/**
 * The baseline: a bare connect-node handler (no Switchyard interceptors, no
 * store) answering the same message shapes as GetTarget and SetExecution with
 * constant responses. The service is described in code so it never enters the
 * public API.
 */
import { create, createFileRegistry } from "@bufbuild/protobuf";
import type { DescFile, DescMethod, DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, timestampNow } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { NodeHandler } from "../server/transport/http-routes.js";
import { createUnaryLane } from "../server/transport/unary-lane.js";
import { file_switchyard_v1_execution } from "../gen/switchyard/v1/execution_pb.js";
import { file_switchyard_v1_target } from "../gen/switchyard/v1/target_pb.js";

const echoFile = create(FileDescriptorProtoSchema, {
  name: "switchyard/bench/echo.proto",
  package: "switchyard.bench",
  syntax: "proto3",
  dependency: ["switchyard/v1/target.proto", "switchyard/v1/execution.proto"],
  // The same two methods twice: EchoService through connect-node's adapter, LaneEchoService through the unary lane.
  service: ["EchoService", "LaneEchoService"].map((name) => ({
    name,
    method: [
      { name: "GetTarget", inputType: ".switchyard.v1.GetTargetRequest", outputType: ".switchyard.v1.GetTargetResponse" },
      {
        name: "SetExecution",
        inputType: ".switchyard.v1.SetExecutionRequest",
        outputType: ".switchyard.v1.SetExecutionResponse",
      },
    ],
  })),
});

const dependencies: Record<string, DescFile> = {
  "switchyard/v1/target.proto": file_switchyard_v1_target,
  "switchyard/v1/execution.proto": file_switchyard_v1_execution,
};

const echoRegistry = createFileRegistry(echoFile, (name) => dependencies[name]);
/** switchyard.bench.EchoService, served by connect-node's adapter. */
export const EchoService: DescService = echoRegistry.getService("switchyard.bench.EchoService")!;
/** switchyard.bench.LaneEchoService, served by Switchyard's unary lane for Connect unary POSTs. */
export const LaneEchoService: DescService = echoRegistry.getService("switchyard.bench.LaneEchoService")!;

/** Path prefix of the echo service, for routing. */
export const echoPathPrefix = "/switchyard.bench.EchoService/";
/** Path prefix of the echo service behind the unary lane. */
export const laneEchoPathPrefix = "/switchyard.bench.LaneEchoService/";

/**
 * A bare handler serving both echo services with constant answers shaped like
 * the real ones: EchoService through connect-node's adapter, LaneEchoService's
 * Connect unary POSTs through the unary lane (no interceptors either way).
 */
export function createEchoHandler(): NodeHandler {
  const details = { sequence: 7n, changeDate: timestampNow(), resourceOwner: "default" };
  const target = {
    id: "3f0c2a9e-6f0e-4d0b-9a43-0c1d2e3f4a5b",
    name: "bench-target",
    endpoint: "http://127.0.0.1:9000/hook",
    timeout: { seconds: 5n, nanos: 0 },
    targetType: { case: "restWebhook" as const, value: { interruptOnError: true } },
    payloadType: 1,
    creationDate: timestampNow(),
    details,
  };
  const routesOf = (service: DescService) => (router: ConnectRouter) => {
    const [getTarget, setExecution] = service.methods;
    // The methods are described at run time, so their message types are not known statically.
    const rpc = router.rpc.bind(router) as (method: DescMethod, handler: () => object) => ConnectRouter;
    rpc(getTarget!, () => ({ target }));
    rpc(setExecution!, () => ({ details }));
  };
  const adapter = connectNodeAdapter({
    routes: (router) => {
      routesOf(EchoService)(router);
      routesOf(LaneEchoService)(router);
    },
  });
  return createUnaryLane({
    routes: routesOf(LaneEchoService),
    interceptors: [],
    readMaxBytes: 0xffffffff,
    acceptCompression: [],
    fallback: adapter,
  });
}
