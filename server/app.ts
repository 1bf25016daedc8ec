/**
 * Wires the parts: commands, services, interceptors, health and reflection.
 * The only place that knows all of them.
 */
import type { DescFile, DescService } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createValidator } from "@bufbuild/protovalidate";
import { createValidateInterceptor } from "@connectrpc/validate";
import type { Logger } from "pino";
import { DeliveryService, file_switchyard_v1_delivery } from "../gen/switchyard/v1/delivery_pb.js";
import { EventService, file_switchyard_v1_event } from "../gen/switchyard/v1/event_pb.js";
import { ExecutionService, file_switchyard_v1_execution } from "../gen/switchyard/v1/execution_pb.js";
import { JobService, file_switchyard_v1_job } from "../gen/switchyard/v1/job_pb.js";
import { TargetService, file_switchyard_v1_target } from "../gen/switchyard/v1/target_pb.js";
import { createDeliveryService } from "./api/delivery-service.js";
import { createEventService } from "./api/event-service.js";
import { createJobService } from "./api/job-service.js";
import { createExecutionService } from "./api/execution-service.js";
import { createHealthService } from "./api/health-service.js";
import { createAuthInterceptor } from "./api/interceptors/auth.js";
import { createErrorInterceptor } from "./api/interceptors/errors.js";
import { createInterceptionInterceptor } from "./api/interceptors/interception.js";
import { createRateLimitInterceptor } from "./api/interceptors/rate-limit.js";
import { createRequestContextInterceptor } from "./api/interceptors/request-context.js";
import { createReflectionServices } from "./api/reflection-service.js";
import { guardRequestDecoding, requestCompressions } from "./api/request-decoding.js";
import { withRequestId } from "./api/request-id.js";
import { createTargetService } from "./api/target-service.js";
import { createEventCommands } from "./commands/event-commands.js";
import { type RpcRegistry, createExecutionCommands } from "./commands/execution-commands.js";
import { createJobCommands } from "./commands/job-commands.js";
import { createTargetCommands } from "./commands/target-commands.js";
import { resolveCallbackSigningKey } from "./engine/callback-key.js";
import { type JobRunner, createJobRunner } from "./engine/job-runner.js";
import { type AuthSettings, createConfiguredAuthenticator } from "./auth/auth-setup.js";
import { scopeTableOf } from "./auth/scope-table.js";
import { type Engine, createEngine } from "./engine/engine.js";
import { type Config, rateLimitsOf, targetAllowOf } from "./config.js";
import { createMetrics } from "./metrics/metrics.js";
import type { Store } from "./store/store.js";
import { withAdminPage } from "./transport/admin-page.js";
import { withStaticRoutes } from "./transport/http-routes.js";
import { createUnaryLane } from "./transport/unary-lane.js";

/** The services of the switchyard.v1 API, in the order they are documented. */
export const apiServices: readonly DescService[] = [
  TargetService,
  ExecutionService,
  JobService,
  EventService,
  DeliveryService,
];
const apiFiles: readonly DescFile[] = [
  file_switchyard_v1_target,
  file_switchyard_v1_execution,
  file_switchyard_v1_job,
  file_switchyard_v1_event,
  file_switchyard_v1_delivery,
];

/** Full names of the API services (`switchyard.v1.TargetService`, …). */
export const apiServiceNames: ReadonlySet<string> = new Set(apiServices.map((service) => service.typeName));

/**
 * The control plane's own management services: `request all` / `response all`
 * never match them and their methods ignore `interruptOnError`, so a broken
 * target can never lock operators out.
 */
export const managementServices: ReadonlySet<string> = new Set([TargetService.typeName, ExecutionService.typeName]);

/** The RPCs request/response conditions may name: the switchyard.v1 API. */
export function apiRpcRegistry(): RpcRegistry {
  return {
    services: apiServiceNames,
    methods: new Set(apiServices.flatMap((service) => service.methods.map((m) => `/${service.typeName}/${m.name}`))),
    managementServices,
  };
}

export interface AppOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** The built admin page (default `web/dist`), served at `/`. */
  readonly webRoot?: string;
  /** false: every RPC goes through connect-node's adapter, none through the unary lane (for comparing the two). */
  readonly unaryLane?: boolean;
  readonly config: Pick<
    Config,
    | "env"
    | "signingKeyOverlapMs"
    | "maxRequestBytes"
    | "rateLimit"
    | "rateBurst"
    | "executeRateLimit"
    | "executeRateBurst"
    | "maxStreamsPerPrincipal"
    | "targetAllow"
    | "deliverySchedule"
    | "deliveryConcurrency"
    | "deliveryLeaseMs"
    | "deliveryPollMs"
    | "interception"
    | "callThreads"
    | "databasePath"
    | "jobConcurrency"
    | "jobLeaseMs"
    | "jobPollMs"
    | "jobAdmissionWaitMs"
    | "jobMaxAttempts"
    | "idempotencyRetentionMs"
    | "callbackSigningKey"
  > &
    AuthSettings;
}

/** The application: one request handler for every protocol, and its shutdown. */
export interface App {
  /** Node request handler serving gRPC, gRPC-web and Connect over HTTP/1.1 and HTTP/2. */
  readonly handler: ReturnType<typeof connectNodeAdapter>;
  /** The engine: router, dispatcher, caller (for tests and metrics). */
  readonly engine: Engine;
  /** The job runner (for tests and metrics). */
  readonly runner: JobRunner;
  /** The key that signs job and batch callbacks. */
  readonly callbackSigningKey: string;
  /** Starts shutting down: health turns NOT_SERVING and open streams end. */
  beginShutdown(): void;
  /**
   * Finishes shutting down once the server stopped taking requests: in-flight
   * deliveries get `graceMs`, leases are released, connections to targets closed.
   */
  close(graceMs: number): Promise<void>;
}

/** Creates the application around a store; loads (or creates) the server's signing keys. */
export async function createApp(options: AppOptions): Promise<App> {
  const { store, logger, config } = options;
  const shutdown = new AbortController();
  const rpcRegistry = apiRpcRegistry();
  const targetCommands = createTargetCommands({ store, signingKeyOverlapMs: config.signingKeyOverlapMs });
  const executionCommands = createExecutionCommands({ store, rpcRegistry });
  const eventCommands = createEventCommands({ store });
  const health = createHealthService({ services: [...apiServiceNames] });
  // Reflection describes everything served here, health included (it adds itself).
  const reflection = createReflectionServices(
    [...apiFiles, health.service.file],
    [...apiServices, health.service].map((service) => service.typeName),
  );

  // Gauges are read at scrape time only, when engine and runner exist.
  const metrics = createMetrics({ store, runner: () => runner.stats(), dispatcher: () => engine.dispatcher.stats() });
  const callbackKey = resolveCallbackSigningKey(config.callbackSigningKey, config.databasePath);
  if (callbackKey.file) logger.info({ file: callbackKey.file }, "job and batch callbacks are signed with the key in this file");
  const engine = await createEngine({
    store,
    logger,
    callbackSigningKey: callbackKey.key,
    targetAllow: targetAllowOf(config),
    callThreads: config.callThreads,
    notMatchedByAll: managementServices,
    delivery: {
      schedule: config.deliverySchedule,
      concurrency: config.deliveryConcurrency,
      leaseMs: config.deliveryLeaseMs,
      pollMs: config.deliveryPollMs,
    },
    onCallResult: metrics.observeCall,
    disableTarget: async (actor, targetId, reason) => {
      await targetCommands.disableTarget(actor, targetId, reason);
    },
  });
  const validator = createValidator();
  const runner = createJobRunner({
    store,
    engine,
    concurrency: config.jobConcurrency,
    leaseMs: config.jobLeaseMs,
    pollMs: config.jobPollMs,
    admissionWaitMs: config.jobAdmissionWaitMs,
    logger: logger.child({ component: "runner" }),
  });
  const jobCommands = createJobCommands({ store, router: engine.router, runner, defaultMaxAttempts: config.jobMaxAttempts });

  // Built once: the unary lane and the connect-node adapter both register these same instances.
  const targetService = createTargetService({ store, commands: targetCommands });
  const executionService = createExecutionService({ store, commands: executionCommands, rpcRegistry });
  const eventService = createEventService({ store, commands: eventCommands, shutdownSignal: shutdown.signal });
  const jobService = createJobService({ store, commands: jobCommands, shutdownSignal: shutdown.signal });
  const deliveryService = createDeliveryService({ store, onRescheduled: () => engine.dispatcher.wake() });
  const routes = (router: ConnectRouter) => {
    router.service(TargetService, targetService);
    router.service(ExecutionService, executionService);
    router.service(EventService, eventService);
    router.service(JobService, jobService);
    router.service(DeliveryService, deliveryService);
    router.service(health.service, health.impl);
    for (const { service, impl } of reflection) router.service(service, impl);
  };
  const interceptors = [
    createRequestContextInterceptor({ logger, onRpcDone: metrics.observeRpc }),
    createErrorInterceptor({ logger }),
    createAuthInterceptor({
      authenticator: createConfiguredAuthenticator(config, store),
      requiredScopes: scopeTableOf(apiServices),
      openServices: new Set([health.service, ...reflection.map(({ service }) => service)].map((service) => service.typeName)),
    }),
    // After auth: a request is counted against the principal its token proves.
    createRateLimitInterceptor({
      ...rateLimitsOf(config),
      maxStreams: config.maxStreamsPerPrincipal,
      services: apiServiceNames,
    }),
    createValidateInterceptor({ validator }),
    ...(config.interception
      ? [
          createInterceptionInterceptor({
            engine,
            validator,
            services: apiServiceNames,
            managementServices,
            logger,
          }),
        ]
      : []),
  ];
  const connectHandler = connectNodeAdapter({
    // Undecodable requests fail with INVALID_ARGUMENT before connect-es calls them INTERNAL.
    routes: guardRequestDecoding(routes, { readMaxBytes: config.maxRequestBytes, compressions: requestCompressions }),
    readMaxBytes: config.maxRequestBytes,
    acceptCompression: [...requestCompressions],
    interceptors,
  });
  // Connect and gRPC unary calls skip connect-node's adapter; the rest goes through it (transport/unary-lane.ts).
  const rpcHandler =
    options.unaryLane === false
      ? connectHandler
      : createUnaryLane({
          routes,
          interceptors,
          readMaxBytes: config.maxRequestBytes,
          acceptCompression: requestCompressions,
          fallback: connectHandler,
        });
  const handler = withRequestId(
    withStaticRoutes(withAdminPage(rpcHandler, { root: options.webRoot }), {
      // Public keys of the server's JWT payloads, for targets to verify them.
      "/.well-known/jwks.json": (_request, response) => {
        response.writeHead(200, { "content-type": "application/jwk-set+json", "cache-control": "max-age=300" });
        response.end(JSON.stringify(engine.keyRing.jwks()));
      },
      // Prometheus text format; open like the JWKS (see docs/operations.md).
      "/metrics": metrics.route,
    }),
  );

  engine.start();
  runner.start();
  // Idempotency keys outlive their retention by at most an hour.
  const pruneKeys = () =>
    void store
      .pruneIdempotencyKeys(new Date(Date.now() - config.idempotencyRetentionMs))
      .then((pruned) => pruned > 0 && logger.info({ pruned }, "pruned idempotency keys"))
      .catch((error: unknown) => logger.error({ err: error }, "pruning idempotency keys failed"));
  pruneKeys();
  const pruning = setInterval(pruneKeys, 60 * 60 * 1000).unref();
  return {
    handler,
    engine,
    runner,
    callbackSigningKey: callbackKey.key,
    beginShutdown() {
      health.shutdown();
      shutdown.abort();
    },
    async close(graceMs) {
      clearInterval(pruning);
      await runner.stop(graceMs);
      await engine.close(graceMs);
    },
  };
}
