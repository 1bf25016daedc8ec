/**
 * Appending events: expectations checked, sequences assigned, events inserted
 * and projections applied, the deliveries they cause written to the outbox,
 * and the jobs leased that the request hands to a runner, all in one
 * `BEGIN IMMEDIATE` transaction: the group commit's (group-commit.ts), which
 * may run an append twice when another write of its group fails. The
 * counters the events move go to the transaction's tally (counter-tally.ts).
 */
import type Sqlite from "better-sqlite3";
import type { DueDelivery } from "../../domain/delivery.js";
import { SwitchyardError } from "../../domain/errors.js";
import { type StoredEvent, storedEvent } from "../../domain/events.js";
import type { JobStatus } from "../../domain/job.js";
import { type JobRowBefore, countJobEvent, countsWithRowBefore, insertJob, startsInSameAppend } from "../projections/job-projection.js";
import { projectionStatements } from "../projections/projection.js";
import type { Counters, Statement } from "../projections/statement.js";
import { sealEventSecrets } from "../secrets/event-secrets.js";
import type { SecretBox } from "../secrets/secret-box.js";
import type { AppendRequest, SequenceExpectation } from "../store.js";
import type { IdempotencyKeys } from "./idempotency.js";
import type { JobWrites } from "./job-writes.js";
import type { OutboxWriter } from "./outbox-writer.js";
import type { StatementCache } from "./statement-cache.js";

/** What one append wrote. */
export interface AppendResult {
  readonly events: StoredEvent[];
  /** Planned deliveries (after each event, in order) and then the request's own, ready to attempt. */
  readonly deliveries: DueDelivery[];
}

/**
 * Appends `request` with `createdAt` as every event's (and delivery's) time.
 * Synchronous, and without a transaction of its own: run it inside one, whose
 * rollback undoes all of it when it throws.
 */
export type Appender = (request: AppendRequest, createdAt: Date) => AppendResult;

/**
 * The appender of `db`; its statements are prepared once, here. Secret
 * payload fields are sealed with `secrets` in the event row and in the
 * projections, and stay plaintext in the events it answers.
 */
export function createAppender(
  db: Sqlite.Database,
  statements: StatementCache,
  idempotencyKeys: IdempotencyKeys,
  outbox: OutboxWriter,
  jobWrites: Pick<JobWrites, "lease">,
  secrets: SecretBox,
  counters: Counters,
): Appender {
  const currentSequence = db
    .prepare<[string, string, string], bigint>(
      "SELECT coalesce(max(sequence), 0) FROM events WHERE resource_owner = ? AND aggregate_type = ? AND aggregate_id = ?",
    )
    .pluck();
  const insertEvent = db.prepare<[string, string, string, bigint, string, string, string, number]>(
    "INSERT INTO events (resource_owner, aggregate_type, aggregate_id, sequence, type, payload, creator, created_at) " +
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );

  const jobRow = db.prepare<[string, string], { status: JobStatus; attempts: bigint; batch_id: string | null }>(
    "SELECT status, attempts, batch_id FROM jobs WHERE resource_owner = ? AND id = ?",
  );

  const sequenceOf = (owner: string, aggregateType: string, aggregateId: string): bigint =>
    currentSequence.get(owner, aggregateType, aggregateId) ?? 0n;

  /** The job's row before `event`, when counting the event needs it. */
  const rowBefore = (event: StoredEvent): JobRowBefore | undefined => {
    if (event.aggregateType !== "job" || !countsWithRowBefore(event)) return undefined;
    const row = jobRow.get(event.resourceOwner, event.aggregateId);
    return row && { status: row.status, attempts: Number(row.attempts), batchId: row.batch_id ?? undefined };
  };

  const runStatement = (statement: Statement): void => {
    try {
      statements(statement.sql).run(...statement.params);
    } catch (error) {
      if (statement.onUniqueViolation && isUniqueViolation(error)) throw statement.onUniqueViolation();
      throw error;
    }
  };

  return (request: AppendRequest, createdAt: Date): AppendResult => {
    const owner = request.actor.resourceOwner;
    // Each aggregate's sequence is read once per append: checked against the
    // expectation, then counted on in memory for each event appended to it.
    const sequences = new Map<string, bigint>();
    for (const expectation of request.expectations) {
      const actual = sequenceOf(owner, expectation.aggregateType, expectation.aggregateId);
      if (actual !== expectation.sequence) throw concurrentModification(expectation, actual);
      sequences.set(`${expectation.aggregateType}\0${expectation.aggregateId}`, actual);
    }
    const deliveries: DueDelivery[] = [];
    /** A job.accepted whose row waits for its job.started, the next event, to be written with it. */
    let acceptedToStart: StoredEvent | undefined;
    const stored = request.events.map((event, index) => {
      const aggregate = `${event.aggregateType}\0${event.aggregateId}`;
      const sequence = (sequences.get(aggregate) ?? sequenceOf(owner, event.aggregateType, event.aggregateId)) + 1n;
      sequences.set(aggregate, sequence);
      const sealedPayload = sealEventSecrets(
        secrets,
        { resourceOwner: owner, aggregateType: event.aggregateType, aggregateId: event.aggregateId },
        event.payload,
      );
      const { lastInsertRowid } = insertEvent.run(
        owner,
        event.aggregateType,
        event.aggregateId,
        sequence,
        event.type,
        JSON.stringify(sealedPayload),
        request.actor.subject,
        createdAt.getTime(),
      );
      const position = BigInt(lastInsertRowid);
      const stored = storedEvent(event, position, sequence, owner, request.actor.subject, createdAt);
      // Projections copy payload fields into their rows: they get the sealed ones.
      const projected =
        sealedPayload === event.payload ? stored : storedEvent(event, position, sequence, owner, request.actor.subject, createdAt, sealedPayload);
      if (acceptedToStart) {
        runStatement(insertJob(acceptedToStart, projected));
        countJobEvent(acceptedToStart, undefined, counters);
        countJobEvent(projected, { status: "accepted", attempts: 0, batchId: undefined }, counters);
        acceptedToStart = undefined;
      } else if (startsInSameAppend(projected, request.events[index + 1])) {
        acceptedToStart = projected;
      } else {
        const before = rowBefore(projected);
        for (const statement of projectionStatements(projected)) runStatement(statement);
        if (projected.aggregateType === "job") countJobEvent(projected, before, counters);
      }
      // Its deliveries reference the event (a foreign key), so they follow it.
      deliveries.push(...outbox.plan(stored));
      return stored;
    });
    const first = stored[0];
    if (request.idempotency && first) idempotencyKeys.claim(owner, request.idempotency, first.position, createdAt);
    if (request.deliveries) deliveries.push(...outbox.write(owner, request.deliveries, createdAt, stored));
    // After the projections, so a job accepted by this very append is there to lease.
    if (request.jobLeases) jobWrites.lease(owner, request.jobLeases);
    return { events: stored, deliveries };
  };
}

/** `ABORTED` (`concurrent_modification`): the aggregate moved on since the caller read it. */
export function concurrentModification(expectation: SequenceExpectation, actual: bigint): SwitchyardError {
  const { aggregateType, aggregateId, sequence: expected } = expectation;
  return new SwitchyardError(
    "aborted",
    "concurrent_modification",
    `${aggregateType} ${JSON.stringify(aggregateId)} is at sequence ${actual}, not the expected ${expected}; read it again and retry`,
    {
      aggregate_type: aggregateType,
      aggregate_id: aggregateId,
      expected_sequence: String(expected),
      actual_sequence: String(actual),
    },
  );
}

// PRIMARY KEY violations have their own code and stay internal errors: they mean a broken expectation check.
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "SQLITE_CONSTRAINT_UNIQUE";
}
