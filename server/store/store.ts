/**
 * The store: an append-only event log plus the projections (read models)
 * written in the same transaction. Async and backend-neutral, so SQLite
 * (embedded default) and PostgreSQL (several replicas) implement the same
 * interface and pass the same contract suite (test/contract/).
 *
 * Every method owns its whole transaction. Every read is scoped to one
 * resource owner.
 */
import type { ApiKey } from "../domain/api-key.js";
import type { ConditionKey } from "../domain/condition.js";
import type {
  Delivery,
  DeliveryFilter,
  DeliveryLease,
  DeliveryOutcome,
  DeliveryPlanner,
  DueDelivery,
  NewDelivery,
  RedeliverSelector,
} from "../domain/delivery.js";
import type { Actor, NewEvent, StoredEvent } from "../domain/events.js";
import type { Execution } from "../domain/execution.js";
import type { Target } from "../domain/target.js";
import type { JobStore } from "./job-store.js";
import type { EventFilter, ExecutionQuery, Page, PageQuery, TargetQuery } from "./queries.js";

export type { JobFilter, JobStore } from "./job-store.js";
export type {
  EventFilter,
  ExecutionFilter,
  ExecutionQuery,
  Page,
  PageQuery,
  TargetFilter,
  TargetQuery,
  TargetSortColumn,
  TextMatch,
} from "./queries.js";

/** An aggregate that must be at exactly `sequence` (0n: must not exist yet) for an append to succeed. */
export interface SequenceExpectation {
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly sequence: bigint;
}

/** Events to append atomically on behalf of `actor`. */
export interface AppendRequest {
  readonly actor: Actor;
  readonly events: readonly NewEvent[];
  /**
   * Checked inside the transaction before anything is written. A mismatch
   * fails the whole append with a SwitchyardError of kind `aborted`, reason
   * `concurrent_modification`, and writes nothing.
   */
  readonly expectations: readonly SequenceExpectation[];
  /**
   * Records that `key` (in `scope`) produced this append, in the same
   * transaction. Its result is the position of the first event. When the key
   * is already recorded the whole append fails with kind `already_exists`,
   * reason `idempotency_key_taken`, and writes nothing.
   */
  readonly idempotency?: IdempotencyClaim;
  /**
   * Deliveries written to the outbox in the same transaction (async calls,
   * callbacks), besides those the delivery planner adds for each event.
   * `events` may be empty when only deliveries are written.
   */
  readonly deliveries?: readonly NewDelivery[];
  /**
   * Jobs (accepted by this append, or existing) leased to a runner in the same
   * transaction, so the process that accepts a job can run it at once without
   * claiming it first.
   */
  readonly jobLeases?: readonly { readonly jobId: string; readonly lease: DeliveryLease }[];
}


/** An idempotency key claimed by an append. */
export interface IdempotencyClaim {
  readonly scope: string;
  readonly key: string;
  /** Hash of the request, to tell a retry from a different request with the same key. */
  readonly requestHash: string;
}

/** What an idempotency key produced. */
export interface IdempotencyRecord {
  readonly requestHash: string;
  /** Position of the first event the keyed append wrote. */
  readonly position: bigint;
  readonly createdAt: Date;
}

/** One of the server's own signing keys. */
export interface ServerKey {
  readonly kid: string;
  readonly algorithm: "ES256";
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** The public half as a JWK (with kid, alg and use). */
  readonly publicJwk: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  readonly retiredAt?: Date;
}

/** Called with the events of each committed append, in position order, after the commit. */
export type EventListener = (events: readonly StoredEvent[]) => void;

/**
 * Called after each commit with the deliveries it wrote (planned and explicit),
 * ready to attempt. Called before the writer's promise resolves.
 */
export type DeliveryListener = (deliveries: readonly DueDelivery[]) => void;

export interface Store extends JobStore {
  /** Appends events and updates projections in one transaction; answers the stored events. */
  append(request: AppendRequest): Promise<StoredEvent[]>;
  /** Current sequence of an aggregate (0n when it has no events). */
  aggregateSequence(owner: string, aggregateType: string, aggregateId: string): Promise<bigint>;

  /** Events of `owner`, ordered by position (descending unless `page.asc`). */
  listEvents(owner: string, filter: EventFilter, page: PageQuery): Promise<Page<StoredEvent>>;
  /** Up to `limit` events of `owner` with position > `afterPosition`, ascending. For replays. */
  readEventsAfter(owner: string, afterPosition: bigint, filter: EventFilter, limit: number): Promise<StoredEvent[]>;
  /** One event of `owner` by position. */
  getEvent(owner: string, position: bigint): Promise<StoredEvent | undefined>;
  /** The record of an idempotency key, if it was claimed. */
  getIdempotencyRecord(owner: string, scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Highest position in the store (all owners), 0n when empty. */
  lastPosition(): Promise<bigint>;
  /** Listens to committed events of every owner; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;

  getTarget(owner: string, id: string): Promise<Target | undefined>;
  /** Target with this exact name, if any. */
  getTargetByName(owner: string, name: string): Promise<Target | undefined>;
  listTargets(owner: string, query: TargetQuery): Promise<Page<Target>>;

  getExecution(owner: string, key: ConditionKey): Promise<Execution | undefined>;
  listExecutions(owner: string, query: ExecutionQuery): Promise<Page<Execution>>;
  /**
   * The include graph of `owner`: for each execution that includes anything,
   * its directly included keys in list order. Cheap enough for every write.
   */
  includeGraph(owner: string): Promise<Map<ConditionKey, ConditionKey[]>>;
  /** Distinct function names that have an execution, sorted. */
  executionFunctionNames(owner: string): Promise<string[]>;

  /**
   * Every target and every execution of every owner (owners are in their
   * details), for building in-memory indexes such as the router at start-up.
   */
  routingSnapshot(): Promise<{ targets: Target[]; executions: Execution[] }>;

  /** The server's signing keys, newest first. */
  serverKeys(): Promise<ServerKey[]>;
  /** Adds a signing key and, in the same transaction, retires every other unretired key at `key.createdAt`. */
  addServerKey(key: ServerKey): Promise<void>;

  /**
   * Sets the function asked, inside every append's transaction, which
   * deliveries each appended event causes (the event executions). One at a time;
   * `undefined` removes it.
   */
  setDeliveryPlanner(planner: DeliveryPlanner | undefined): void;
  /** Listens to deliveries written by committed appends; returns the unsubscribe function. */
  subscribeDeliveries(listener: DeliveryListener): () => void;
  /**
   * Leases up to `limit` deliveries that are due at `now` (status pending or
   * failed, next attempt <= now, no lease or an expired one), oldest due first,
   * to `lease.owner` until `lease.until`. Two dispatchers never get the same one.
   */
  claimDueDeliveries(now: Date, limit: number, lease: DeliveryLease): Promise<DueDelivery[]>;
  /**
   * Records an attempt (numbered by the store) and the delivery's new status,
   * and releases the lease, in one transaction. Answers false (and writes
   * nothing) when `leaseOwner` no longer holds the lease.
   */
  recordDeliveryOutcome(outcome: DeliveryOutcome): Promise<boolean>;
  /** Releases every lease `leaseOwner` holds (graceful shutdown); answers how many. */
  releaseDeliveryLeases(leaseOwner: string): Promise<number>;
  /** When the earliest unleased pending/failed delivery is due; undefined when none is. */
  nextDeliveryDueAt(): Promise<Date | undefined>;
  /** Deliveries of `owner` ordered by creation (then id), without attempts. */
  listDeliveries(owner: string, filter: DeliveryFilter, page: PageQuery): Promise<Page<Delivery>>;
  /** One delivery of `owner` with every attempt, oldest first. */
  getDelivery(owner: string, id: string): Promise<Delivery | undefined>;
  /**
   * Schedules the selected deliveries of `owner` again at `now`: status
   * pending, a fresh retry schedule (roundAttempts 0), lease cleared; past
   * attempts stay. A delivery by id is rescheduled whatever its status; the
   * `dead` selector takes only dead ones. Answers how many.
   */
  redeliver(owner: string, selector: RedeliverSelector, now: Date): Promise<number>;
  /** Counts deliveries by status (all owners), for metrics and health. */
  deliveryCounts(): Promise<Record<Delivery["status"], number>>;

  /** Closes the database; pending appends finish first. */
  close(): Promise<void>;

  // API keys (auth). Not scoped to an owner: a key is looked up before anyone
  // knows whose request it is. Only hashes are stored, never a key.
  /** Stores a new API key; rejects with kind `already_exists`, reason `api_key_exists`, when its id or hash is taken. */
  addApiKey(key: ApiKey): Promise<void>;
  /** The key with this SHA-256 hash (hex), revoked and expired ones included. */
  apiKeyByHash(keyHash: string): Promise<ApiKey | undefined>;
  /** Every stored key (of `owner`, when given), oldest first. */
  listApiKeys(owner?: string): Promise<ApiKey[]>;
  /** Revokes the key with `id` at `at`; answers false when no such key exists. Revoking twice keeps the first time. */
  revokeApiKey(id: string, at: Date): Promise<boolean>;
}
