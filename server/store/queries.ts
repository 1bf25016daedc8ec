/**
 * How reads select and page: the filters and page shapes the Store's list
 * methods take, backend-neutral.
 */
import type { ConditionKey, ConditionType } from "../domain/condition.js";

/** A page request: offset/limit, ascending or descending. */
export interface PageQuery {
  readonly offset: number;
  readonly limit: number;
  readonly asc: boolean;
}

/** A page of results with the total number that match. */
export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

export type TextMatch =
  | "equals"
  | "equals_ignore_case"
  | "starts_with"
  | "starts_with_ignore_case"
  | "contains"
  | "contains_ignore_case"
  | "ends_with"
  | "ends_with_ignore_case";

export type TargetFilter =
  | { readonly kind: "name"; readonly text: string; readonly match: TextMatch }
  | { readonly kind: "ids"; readonly ids: readonly string[] };

export type TargetSortColumn = "id" | "creation_date" | "change_date" | "name" | "target_type" | "endpoint" | "timeout";

export interface TargetQuery {
  readonly page: PageQuery;
  readonly sort: TargetSortColumn;
  /** Combined with AND. */
  readonly filters: readonly TargetFilter[];
}

export type ExecutionFilter =
  | { readonly kind: "conditions"; readonly keys: readonly ConditionKey[] }
  | { readonly kind: "type"; readonly type: ConditionType }
  /** Executions that list the target directly. */
  | { readonly kind: "target"; readonly targetId: string }
  /** Executions that include the condition directly. */
  | { readonly kind: "include"; readonly key: ConditionKey };

export interface ExecutionQuery {
  /** Sorted by creation (then key). */
  readonly page: PageQuery;
  /** Combined with AND. */
  readonly filters: readonly ExecutionFilter[];
}

/** Selects events; every set field must match. */
export interface EventFilter {
  readonly aggregateType?: string;
  readonly aggregateId?: string;
  /** Any of these types. */
  readonly types?: readonly string[];
  /** Position at or after. */
  readonly fromPosition?: bigint;
  /** created_at >= createdFrom. */
  readonly createdFrom?: Date;
  /** created_at < createdTo. */
  readonly createdTo?: Date;
}
