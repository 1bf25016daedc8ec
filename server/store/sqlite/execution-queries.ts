/** Reads of the `executions` read model. */
import type Sqlite from "better-sqlite3";
import type { Condition, ConditionKey } from "../../domain/condition.js";
import type { Execution, ExecutionElement } from "../../domain/execution.js";
import type { ExecutionFilter, ExecutionQuery, Page } from "../store.js";
import { type PageReader, type Where, direction, jsonList, whereOwner } from "./paging.js";

/** The execution reads of {@link Store}, synchronous. */
export interface ExecutionQueries {
  getExecution(owner: string, key: ConditionKey): Execution | undefined;
  listExecutions(owner: string, query: ExecutionQuery): Page<Execution>;
  everyExecution(): Execution[];
  includeGraph(owner: string): Map<ConditionKey, ConditionKey[]>;
  executionFunctionNames(owner: string): string[];
}

interface ExecutionRow {
  readonly resource_owner: string;
  readonly condition_key: string;
  readonly condition_type: Condition["type"];
  readonly condition_scope: Condition["scope"];
  readonly condition_name: string;
  readonly elements: string;
  readonly created_at: bigint;
  readonly change_date: bigint;
  readonly sequence: bigint;
}

const executionColumns =
  "e.resource_owner, e.condition_key, e.condition_type, e.condition_scope, e.condition_name, e.elements, " +
  "e.created_at, e.change_date, e.sequence";

/** Execution reads over `db`. */
export function createExecutionQueries(db: Sqlite.Database, readPage: PageReader): ExecutionQueries {
  const byKey = db.prepare<[string, string], ExecutionRow>(
    `SELECT ${executionColumns} FROM executions e WHERE e.resource_owner = ? AND e.condition_key = ?`,
  );
  const every = db.prepare<[], ExecutionRow>(`SELECT ${executionColumns} FROM executions e`);
  const includeEdges = db.prepare<[string], { condition_key: string; include_key: string }>(
    "SELECT condition_key, include_key FROM execution_elements " +
      "WHERE resource_owner = ? AND include_key IS NOT NULL ORDER BY condition_key, position",
  );
  const functionNames = db
    .prepare<[string], string>(
      "SELECT DISTINCT condition_name FROM executions " +
        "WHERE resource_owner = ? AND condition_type = 'function' ORDER BY condition_name",
    )
    .pluck();

  return {
    getExecution(owner, key) {
      const row = byKey.get(owner, key);
      return row === undefined ? undefined : executionFromRow(row);
    },
    everyExecution: () => every.all().map(executionFromRow),
    includeGraph(owner) {
      const graph = new Map<ConditionKey, ConditionKey[]>();
      for (const edge of includeEdges.all(owner)) {
        const includes = graph.get(edge.condition_key);
        if (includes) includes.push(edge.include_key);
        else graph.set(edge.condition_key, [edge.include_key]);
      }
      return graph;
    },
    executionFunctionNames: (owner) => functionNames.all(owner),
    listExecutions(owner, query) {
      const order = direction(query.page.asc);
      return readPage(
        {
          columns: executionColumns,
          from: "executions e",
          where: executionWhere(owner, query.filters),
          orderBy: `e.created_at ${order}, e.condition_key ${order}`,
        },
        query.page,
        executionFromRow,
      );
    },
  };
}

const listsElement = (column: "target_id" | "include_key"): string =>
  "EXISTS (SELECT 1 FROM execution_elements x WHERE x.resource_owner = e.resource_owner " +
  `AND x.condition_key = e.condition_key AND x.${column} = ?)`;

/** Filters combined with AND; a `conditions` filter with no keys matches nothing. */
function executionWhere(owner: string, filters: readonly ExecutionFilter[]): Where {
  const where = whereOwner("e.resource_owner", owner);
  for (const filter of filters) {
    switch (filter.kind) {
      case "conditions":
        where.add("e.condition_key IN (SELECT value FROM json_each(?))", jsonList(filter.keys));
        break;
      case "type":
        where.add("e.condition_type = ?", filter.type);
        break;
      case "target":
        where.add(listsElement("target_id"), filter.targetId);
        break;
      case "include":
        where.add(listsElement("include_key"), filter.key);
        break;
    }
  }
  return where.build();
}

function executionFromRow(row: ExecutionRow): Execution {
  return {
    key: row.condition_key,
    condition: { type: row.condition_type, scope: row.condition_scope, name: row.condition_name } as Condition,
    elements: JSON.parse(row.elements) as ExecutionElement[],
    createdAt: new Date(Number(row.created_at)),
    details: {
      sequence: row.sequence,
      changeDate: new Date(Number(row.change_date)),
      resourceOwner: row.resource_owner,
    },
  };
}
