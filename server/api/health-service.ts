import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  type HealthCheckResponse,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";

/** `grpc.health.v1.Health` with the statuses it reports and a way to change them. */
export interface HealthService {
  readonly service: typeof Health;
  readonly impl: ServiceImpl<typeof Health>;
  /** Sets the status of `service` ("" is the whole server); unknown names become known. Ignored after `shutdown()`. */
  setStatus(service: string, status: ServingStatus): void;
  /** Sets every status to NOT_SERVING, sends that to watchers, then ends their streams. */
  shutdown(): void;
}

/**
 * Creates the gRPC health service. The server ("") and each of `services`
 * start SERVING. Check answers NOT_FOUND for unknown names; Watch answers
 * SERVICE_UNKNOWN for them and keeps watching, as the gRPC spec asks.
 * Watchers see the latest status; changes faster than a client reads may be
 * coalesced.
 */
export function createHealthService(options: { services: string[] }): HealthService {
  const statuses = new Map<string, ServingStatus>([["", ServingStatus.SERVING]]);
  for (const name of options.services) statuses.set(name, ServingStatus.SERVING);
  let shutDown = false;
  // One wake-up per suspended Watch call, removed when it fires or the call ends.
  const wakeUps = new Set<() => void>();

  const notify = () => {
    for (const wakeUp of [...wakeUps]) wakeUp();
  };
  const nextChange = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const wakeUp = () => {
        wakeUps.delete(wakeUp);
        signal.removeEventListener("abort", wakeUp);
        resolve();
      };
      wakeUps.add(wakeUp);
      signal.addEventListener("abort", wakeUp);
    });
  const response = (status: ServingStatus): HealthCheckResponse => create(HealthCheckResponseSchema, { status });

  const impl: ServiceImpl<typeof Health> = {
    check(request) {
      const status = statuses.get(request.service);
      if (status === undefined) {
        // The name is echoed only in part: gRPC sends the message in a trailer,
        // and an oversized trailer makes the whole call fail with INTERNAL.
        throw new ConnectError(`unknown service ${JSON.stringify(request.service.slice(0, 200))}`, Code.NotFound);
      }
      return response(status);
    },
    async *watch(request, context) {
      let sent: ServingStatus | undefined;
      while (!context.signal.aborted) {
        const status = statuses.get(request.service) ?? ServingStatus.SERVICE_UNKNOWN;
        if (status !== sent) {
          yield response(status);
          sent = status;
        }
        if (shutDown) return;
        await nextChange(context.signal);
      }
    },
    list() {
      return { statuses: Object.fromEntries([...statuses].map(([name, status]) => [name, response(status)])) };
    },
  };

  return {
    service: Health,
    impl,
    setStatus(service, status) {
      if (shutDown || statuses.get(service) === status) return;
      statuses.set(service, status);
      notify();
    },
    shutdown() {
      if (shutDown) return;
      shutDown = true;
      for (const name of statuses.keys()) statuses.set(name, ServingStatus.NOT_SERVING);
      notify();
    },
  };
}
