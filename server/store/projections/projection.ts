/**
 * Every projection, keyed by aggregate type. Events of other aggregates
 * (pushed events, …) are stored but project nothing.
 */
import type { StoredEvent } from "../../domain/events.js";
import { batchStatements } from "./batch-projection.js";
import { executionStatements } from "./execution-projection.js";
import { jobStatements } from "./job-projection.js";
import type { Statement } from "./statement.js";
import { targetStatements } from "./target-projection.js";

const projectionsByAggregate: Readonly<Record<string, (event: StoredEvent) => Statement[]>> = {
  target: targetStatements,
  execution: executionStatements,
  job: jobStatements,
  batch: batchStatements,
};

/** The statements that bring every read model up to date with `event`, in order. */
export function projectionStatements(event: StoredEvent): Statement[] {
  return Object.hasOwn(projectionsByAggregate, event.aggregateType)
    ? (projectionsByAggregate[event.aggregateType]?.(event) ?? [])
    : [];
}
