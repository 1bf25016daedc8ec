/**
 * One typed connect-es client per switchyard.v1 service over one transport.
 */
import { type Client, type Transport, createClient } from "@connectrpc/connect";
import { DeliveryService } from "../gen/switchyard/v1/delivery_pb.js";
import { EventService } from "../gen/switchyard/v1/event_pb.js";
import { ExecutionService } from "../gen/switchyard/v1/execution_pb.js";
import { JobService } from "../gen/switchyard/v1/job_pb.js";
import { TargetService } from "../gen/switchyard/v1/target_pb.js";

/** The protocols a Switchyard server speaks on its one port. */
export type Protocol = "connect" | "grpc" | "grpc-web";

/** Typed clients of every switchyard.v1 service, sharing one transport. */
export interface SwitchyardClient {
  readonly targets: Client<typeof TargetService>;
  readonly executions: Client<typeof ExecutionService>;
  readonly jobs: Client<typeof JobService>;
  readonly events: Client<typeof EventService>;
  readonly deliveries: Client<typeof DeliveryService>;
  /** The transport the clients share (for `createClient` of another service). */
  readonly transport: Transport;
  /** Which protocol the transport speaks. */
  readonly protocol: Protocol;
  /** Closes pooled HTTP/2 connections (gRPC in Node); a no-op for fetch-based transports. */
  close(): void;
}

/** Builds the service clients over `transport`. */
export function clientsOver(transport: Transport, protocol: Protocol, close: () => void = () => {}): SwitchyardClient {
  return {
    targets: createClient(TargetService, transport),
    executions: createClient(ExecutionService, transport),
    jobs: createClient(JobService, transport),
    events: createClient(EventService, transport),
    deliveries: createClient(DeliveryService, transport),
    transport,
    protocol,
    close,
  };
}
