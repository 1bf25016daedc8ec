/**
 * The embedded store: one SQLite file in WAL mode through better-sqlite3.
 * better-sqlite3 is synchronous, so every method runs its whole transaction
 * before it returns and answers an already settled promise; no transaction
 * ever spans an `await`.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type Sqlite from "better-sqlite3";
import type { Logger } from "pino";
import { createDeliveryListeners, createEventListeners } from "../event-listeners.js";
import type { MasterKeys } from "../secrets/master-key.js";
import { developmentMasterKeys } from "../secrets/master-key-source.js";
import { createSecretBox } from "../secrets/secret-box.js";
import type { Store } from "../store.js";
import type { ClaimStart } from "../job-store.js";
import { type Job, evolveJob } from "../../domain/job.js";
import { createApiKeys } from "./api-keys.js";
import { type AppendResult, type Appender, createAppender } from "./append.js";
import { createCounterTally } from "./counter-tally.js";
import { createDeliveryQueries } from "./delivery-queries.js";
import { createDeliveryWrites } from "./delivery-writes.js";
import { createGroupCommit } from "./group-commit.js";
import { createIdempotencyKeys } from "./idempotency.js";
import { createJobQueries } from "./job-queries.js";
import { createJobWrites } from "./job-writes.js";
import { createServerKeys } from "./server-keys.js";
import { createEventQueries } from "./events-queries.js";
import { createExecutionQueries } from "./execution-queries.js";
import { loadMigrations, migrate } from "./migrate.js";
import { createOutboxWriter } from "./outbox-writer.js";
import { createPageReader } from "./paging.js";
import { sealSecretsAtRest } from "./secrets-at-rest.js";
import { createStatementCache } from "./statement-cache.js";
import { createTargetQueries } from "./target-queries.js";

/** Where the database lives, the keys that seal its secrets, and how long a writer waits for another one. */
export interface SqliteStoreOptions {
  /** The database file; its directory is created when missing. */
  readonly path: string;
  readonly logger?: Logger;
  /** How long a write waits for another process's write lock; default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * The keys that seal signing keys at rest (see server/store/secrets).
   * Default: the development key file `<path>.master-key`, created when
   * missing; server/main.ts passes the configured keys.
   */
  readonly masterKeys?: MasterKeys;
}

/**
 * Opens (creating when missing) the database at `options.path`, applies
 * pending migrations, seals the secrets at rest with the current master key
 * and answers the store. Rejects when a migration fails or the master key is
 * not the one the database was sealed with.
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const logger = options.logger;
  const secrets = createSecretBox(options.masterKeys ?? developmentMasterKeys(options.path, logger));
  const db = openDatabase(options.path, options.busyTimeoutMs ?? 5000);
  try {
    const applied = migrate(db, loadMigrations(), logger);
    sealSecretsAtRest(db, secrets, logger);
    logger?.info({ path: options.path, appliedMigrations: applied, masterKeyId: secrets.keyId }, "sqlite store opened");
  } catch (error) {
    db.close();
    throw error;
  }
  const statements = createStatementCache(db);
  const readPage = createPageReader(db, statements);
  const listeners = createEventListeners(logger);
  const deliveryListeners = createDeliveryListeners(logger);
  const idempotencyKeys = createIdempotencyKeys(db);
  const serverKeys = createServerKeys(db, secrets);
  const outbox = createOutboxWriter(db, secrets);
  const jobWrites = createJobWrites(db);
  const tally = createCounterTally(db);
  const appendOne = createAppender(db, statements, idempotencyKeys, outbox, jobWrites, secrets, tally);
  const groupCommit = createGroupCommit(db, tally);
  const notifyCommitted = ({ events, deliveries }: AppendResult): void => {
    listeners.notify(events);
    deliveryListeners.notify(deliveries);
  };
  const events = createEventQueries(db, statements, readPage, secrets);
  const targets = createTargetQueries(db, readPage, secrets);
  const executions = createExecutionQueries(db, readPage);
  const deliveryWrites = createDeliveryWrites(db, statements, secrets);
  const deliveries = createDeliveryQueries(db, readPage);
  const apiKeys = createApiKeys(db);
  const jobs = createJobQueries(db, readPage);

  return {
    async append(request) {
      const { events: stored } = await groupCommit.write(() => appendOne(request, new Date()), notifyCommitted);
      return stored;
    },
    aggregateSequence: async (owner, aggregateType, aggregateId) =>
      events.aggregateSequence(owner, aggregateType, aggregateId),
    listEvents: async (owner, filter, page) => events.listEvents(owner, filter, page),
    readEventsAfter: async (owner, afterPosition, filter, limit) =>
      events.readEventsAfter(owner, afterPosition, filter, limit),
    lastPosition: async () => events.lastPosition(),
    getEvent: async (owner, position) => events.getEvent(owner, position),
    getIdempotencyRecord: async (owner, scope, key) => idempotencyKeys.get(owner, scope, key),
    subscribe: (listener) => listeners.subscribe(listener),
    getTarget: async (owner, id) => targets.getTarget(owner, id),
    getTargetByName: async (owner, name) => targets.getTargetByName(owner, name),
    listTargets: async (owner, query) => targets.listTargets(owner, query),
    getExecution: async (owner, key) => executions.getExecution(owner, key),
    listExecutions: async (owner, query) => executions.listExecutions(owner, query),
    includeGraph: async (owner) => executions.includeGraph(owner),
    executionFunctionNames: async (owner) => executions.executionFunctionNames(owner),
    // One read transaction, so targets and executions agree with each other.
    routingSnapshot: async () =>
      db.transaction(() => ({ targets: targets.everyTarget(), executions: executions.everyExecution() }))(),
    serverKeys: async () => serverKeys.list(),
    addServerKey: async (key) => serverKeys.add(key),
    setDeliveryPlanner: (planner) => outbox.setPlanner(planner),
    subscribeDeliveries: (listener) => deliveryListeners.subscribe(listener),
    claimDueDeliveries: (now, limit, lease) => groupCommit.write(() => deliveryWrites.claimDue(now, limit, lease)),
    recordDeliveryOutcome: (outcome) => groupCommit.write(() => deliveryWrites.recordOutcome(outcome, new Date())),
    releaseDeliveryLeases: (leaseOwner) => groupCommit.write(() => deliveryWrites.releaseLeases(leaseOwner)),
    nextDeliveryDueAt: async () => deliveries.nextDueAt(),
    listDeliveries: async (owner, filter, page) => deliveries.listDeliveries(owner, filter, page),
    getDelivery: async (owner, id) => deliveries.getDelivery(owner, id),
    redeliver: (owner, selector, now) => groupCommit.write(() => deliveryWrites.redeliver(owner, selector, now)),
    deliveryCounts: async () => deliveries.counts(),
    getJob: async (owner, id) => jobs.getJob(owner, id),
    listJobs: async (owner, filter, page) => jobs.listJobs(owner, filter, page),
    getBatch: async (owner, id) => jobs.getBatch(owner, id),
    async claimDueJobs(now, limit, lease, start) {
      if (!start) return groupCommit.write(() => jobWrites.claimDue(now, limit, lease));
      const claimed = await groupCommit.write(
        () => claimAndStart(jobWrites.claimDue(now, limit, lease), start, appendOne),
        ({ appended }) => appended.forEach(notifyCommitted),
      );
      return claimed.jobs;
    },
    renewJobLeases: (jobIds, lease) => groupCommit.write(() => jobWrites.renewLeases(jobIds, lease)),
    releaseJobLeases: (leaseOwner) => groupCommit.write(() => jobWrites.releaseLeases(leaseOwner)),
    nextJobDueAt: async () => jobs.nextDueAt(),
    finishedOpenBatches: async (limit) => jobs.finishedOpenBatches(limit),
    jobCounts: async () => jobs.counts(),
    pruneIdempotencyKeys: (before) => groupCommit.write(() => idempotencyKeys.prune(before)),
    addApiKey: (key) => groupCommit.write(() => apiKeys.add(key)),
    apiKeyByHash: async (keyHash) => apiKeys.byHash(keyHash),
    listApiKeys: async (owner) => apiKeys.list(owner),
    revokeApiKey: (id, at) => groupCommit.write(() => apiKeys.revoke(id, at)),
    async close() {
      if (!db.open) return;
      groupCommit.flush();
      db.pragma("optimize");
      db.close();
      logger?.info({ path: options.path }, "sqlite store closed");
    },
  };
}

/** Appends the start `start` gives each claimed job (inside the claim's transaction); answers the jobs as their starts left them. */
function claimAndStart(
  jobs: readonly Job[],
  start: (job: Job) => ClaimStart | undefined,
  appendOne: Appender,
): { jobs: Job[]; appended: AppendResult[] } {
  const appended: AppendResult[] = [];
  const startedAt = new Date();
  const answered = jobs.map((job) => {
    const begin = start(job);
    if (!begin || begin.events.length === 0) return job;
    const result = appendOne(
      {
        actor: begin.actor,
        events: [...begin.events],
        expectations: [{ aggregateType: "job", aggregateId: job.id, sequence: job.details.sequence }],
      },
      startedAt,
    );
    appended.push(result);
    return result.events.reduce<Job>((current, event) => evolveJob(current, event) ?? current, job);
  });
  return { jobs: answered, appended };
}

/**
 * WAL lets readers run beside the single writer; `synchronous = NORMAL` is
 * durable across application crashes in WAL mode (only a power loss can drop
 * the last commits). Statement journals (a savepoint's, when the group commit
 * reruns a group whose write failed, and a multi-row statement's) are
 * temporary files unless `temp_store = MEMORY`: in a file the savepoints
 * cost a write syscall per page first touched, half of a job's store time
 * (bench/store-jobs.ts). Integers are read as bigint so positions
 * and sequences never lose precision.
 */
function openDatabase(path: string, busyTimeoutMs: number): Sqlite.Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    db.pragma("synchronous = NORMAL");
    db.pragma("temp_store = MEMORY");
    db.pragma("foreign_keys = ON");
    db.defaultSafeIntegers(true);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
