/**
 * Every projection, keyed by aggregate type. Events of other aggregates
 * (jobs, pushed events, …) are stored but project nothing yet.
 */
import type { StoredEvent } from "../../domain/events.js";
import { executionStatements } from "./execution-projection.js";
import type { Statement } from "./statement.js";
import { targetStatements } from "./target-projection.js";

const projectionsByAggregate: Readonly<Record<string, (event: StoredEvent) => Statement[]>> = {
  target: targetStatements,
  execution: executionStatements,
};

/** The statements that bring every read model up to date with `event`, in order. */
export function projectionStatements(event: StoredEvent): Statement[] {
  return Object.hasOwn(projectionsByAggregate, event.aggregateType)
    ? (projectionsByAggregate[event.aggregateType]?.(event) ?? [])
    : [];
}
