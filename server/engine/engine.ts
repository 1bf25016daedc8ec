/**
 * The engine: everything that calls targets, assembled once per process —
 * the outbound guard, the HTTP caller, circuit breakers, the router, the
 * server's signing keys and the delivery dispatcher.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { newDeliveryId } from "../domain/delivery.js";
import type { Actor } from "../domain/events.js";
import type { Target } from "../domain/target.js";
import type { Store } from "../store/store.js";
import { type ChainOptions, type ChainOutcome, runChain } from "./chain.js";
import { type CircuitBreakers, createCircuitBreakers } from "./circuit-breaker.js";
import { type Dispatcher, createDispatcher } from "./dispatcher.js";
import { createThreadedHttpCaller } from "./call-threads.js";
import { type CallRequest, type CallResult, type HttpCaller, createHttpCaller } from "./http-caller.js";
import { createOutboundGuard } from "./outbound-guard.js";
import { type Router, createRouter } from "./router.js";
import { type ServerKeyRing, createServerKeyRing } from "./server-key-ring.js";

export interface EngineOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** CIDR ranges targets may reach despite the deny list. */
  readonly targetAllow: readonly string[];
  /** Worker threads that make the calls to targets; 0 or absent: the main thread makes them (call-threads.ts). */
  readonly callThreads?: number;
  /** Services `request all` / `response all` never match. */
  readonly notMatchedByAll: ReadonlySet<string>;
  readonly delivery: {
    readonly schedule: readonly number[];
    readonly concurrency: number;
    readonly leaseMs: number;
    readonly pollMs: number;
  };
  /** Signs job and batch callbacks. */
  readonly callbackSigningKey: string;
  /** Disables a target that answered 410 Gone. */
  readonly disableTarget: (actor: Actor, targetId: string, reason: string) => Promise<void>;
  /** Sees the outcome of every call to a target or callback URL (metrics). */
  readonly onCallResult?: (request: CallRequest, result: CallResult) => void;
}

/** One chain to run on behalf of `actor`. */
export interface ChainRun {
  readonly actor: Actor;
  readonly targets: readonly Target[];
  readonly payload: JsonValue;
  readonly envelope: (payload: JsonValue) => JsonObject;
  /** `webhook-id` of each step; random per step when absent. */
  readonly messageId?: (target: Target, index: number) => string;
  readonly signal?: AbortSignal;
  readonly onStep?: ChainOptions["onStep"];
}

export interface Engine {
  readonly router: Router;
  readonly dispatcher: Dispatcher;
  readonly keyRing: ServerKeyRing;
  readonly caller: HttpCaller;
  readonly breakers: CircuitBreakers;
  /** Runs a chain; `rest_async` steps go to the outbox. Never throws for a target's failure. */
  runChain(run: ChainRun): Promise<ChainOutcome>;
  /** Starts delivering. */
  start(): void;
  /** Stops delivering (in-flight attempts get `graceMs`), stops following the store, closes connections. */
  close(graceMs: number): Promise<void>;
}

/** Loads the router and the signing keys from the store and assembles the engine. */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const { store, logger } = options;
  const onResult = options.onCallResult ? { onResult: options.onCallResult } : {};
  // Call threads take about a third of a second to start: they do so while the rest loads.
  const threaded = options.callThreads
    ? createThreadedHttpCaller({ threads: options.callThreads, allow: options.targetAllow, ...onResult, logger: logger.child({ component: "call-threads" }) })
    : undefined;
  const caller = threaded ?? createHttpCaller({ guard: createOutboundGuard({ allow: options.targetAllow }), ...onResult });
  const breakers = createCircuitBreakers();
  const keyRing = createServerKeyRing({ store });
  await keyRing.load();
  const router = await createRouter(store, { notMatchedByAll: options.notMatchedByAll, logger });
  const dispatcher = createDispatcher({
    store,
    router,
    caller,
    breakers,
    ...options.delivery,
    signJwt: (payload) => keyRing.sign(payload),
    callbackSigningKeys: () => [options.callbackSigningKey],
    onGone: (owner, targetId, deliveryId) =>
      options.disableTarget({ resourceOwner: owner, subject: "system:dispatcher" }, targetId, `answered 410 Gone to delivery ${deliveryId}`),
    logger: logger.child({ component: "dispatcher" }),
  });
  try {
    await threaded?.ready();
  } catch (error) {
    router.close();
    await caller.close();
    throw error;
  }
  store.setDeliveryPlanner(dispatcher.planner);

  return {
    router,
    dispatcher,
    keyRing,
    caller,
    breakers,
    runChain: (run) =>
      runChain({
        targets: run.targets,
        payload: run.payload,
        envelope: run.envelope,
        messageId: run.messageId ?? (() => newDeliveryId()),
        caller,
        breakers,
        signJwt: (payload) => keyRing.sign(payload),
        enqueueAsync: async (target, body, messageId) => {
          const lease = dispatcher.offerLease(target.timeoutMs);
          const delivery = { id: messageId, kind: "async_call" as const, targetId: target.id, endpoint: target.endpoint };
          await store.append({
            actor: run.actor,
            events: [],
            expectations: [],
            deliveries: [{ ...delivery, body: JSON.stringify(body), ...(lease ? { lease } : {}) }],
          });
        },
        ...(run.signal ? { signal: run.signal } : {}),
        ...(run.onStep ? { onStep: run.onStep } : {}),
      }),
    start: () => dispatcher.start(),
    async close(graceMs) {
      await dispatcher.stop(graceMs);
      store.setDeliveryPlanner(undefined);
      router.close();
      await caller.close();
    },
  };
}
