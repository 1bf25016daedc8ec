/** Reads of the `targets` read model. */
import type Sqlite from "better-sqlite3";
import type { Target, TargetType } from "../../domain/target.js";
import { targetSecretPlace } from "../secrets/event-secrets.js";
import type { SecretBox } from "../secrets/secret-box.js";
import type { Page, TargetFilter, TargetQuery, TargetSortColumn, TextMatch } from "../store.js";
import { type PageReader, type Where, direction, jsonList, whereOwner } from "./paging.js";

/** The target reads of {@link Store}, synchronous. */
export interface TargetQueries {
  getTarget(owner: string, id: string): Target | undefined;
  getTargetByName(owner: string, name: string): Target | undefined;
  listTargets(owner: string, query: TargetQuery): Page<Target>;
  everyTarget(): Target[];
}

interface TargetRow {
  readonly resource_owner: string;
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly timeout_ms: bigint;
  readonly target_type: "webhook" | "call" | "async";
  readonly interrupt_on_error: bigint;
  readonly payload_type: Target["payloadType"];
  readonly signing_key: string;
  readonly previous_signing_key: string | null;
  readonly previous_signing_key_expires_at: bigint | null;
  readonly created_at: bigint;
  readonly change_date: bigint;
  readonly sequence: bigint;
  readonly state: Target["state"];
  readonly disabled_reason: string | null;
}

const targetColumns =
  "resource_owner, id, name, endpoint, timeout_ms, target_type, interrupt_on_error, payload_type, signing_key, " +
  "previous_signing_key, previous_signing_key_expires_at, created_at, change_date, sequence, state, disabled_reason";

const sortColumns: Readonly<Record<TargetSortColumn, string>> = {
  id: "id",
  creation_date: "created_at",
  change_date: "change_date",
  name: "name",
  target_type: "target_type",
  endpoint: "endpoint",
  timeout: "timeout_ms",
};

/** Target reads over `db`; the signing keys are opened with `secrets`. */
export function createTargetQueries(db: Sqlite.Database, readPage: PageReader, secrets: SecretBox): TargetQueries {
  const targetFromRow = (row: TargetRow): Target => targetOfRow(row, secrets);
  const optionalTarget = (row: TargetRow | undefined): Target | undefined =>
    row === undefined ? undefined : targetFromRow(row);
  const byId = db.prepare<[string, string], TargetRow>(
    `SELECT ${targetColumns} FROM targets WHERE resource_owner = ? AND id = ?`,
  );
  const every = db.prepare<[], TargetRow>(`SELECT ${targetColumns} FROM targets`);
  const byName = db.prepare<[string, string], TargetRow>(
    `SELECT ${targetColumns} FROM targets WHERE resource_owner = ? AND name = ?`,
  );

  return {
    getTarget: (owner, id) => optionalTarget(byId.get(owner, id)),
    getTargetByName: (owner, name) => optionalTarget(byName.get(owner, name)),
    everyTarget: () => every.all().map(targetFromRow),
    listTargets(owner, query) {
      const order = direction(query.page.asc);
      const column = sortColumns[query.sort];
      return readPage(
        {
          columns: targetColumns,
          from: "targets",
          where: targetWhere(owner, query.filters),
          orderBy: column === "id" ? `id ${order}` : `${column} ${order}, id ${order}`,
        },
        query.page,
        targetFromRow,
      );
    },
  };
}

/** Filters combined with AND; an `ids` filter with no ids matches nothing. */
function targetWhere(owner: string, filters: readonly TargetFilter[]): Where {
  const where = whereOwner("resource_owner", owner);
  for (const filter of filters) {
    if (filter.kind === "ids") where.add("id IN (SELECT value FROM json_each(?))", jsonList(filter.ids));
    else where.add(...nameMatch(filter.match, filter.text));
  }
  return where.build();
}

/**
 * A condition on `name`. Case-sensitive patterns use GLOB, because SQLite's
 * LIKE ignores ASCII case and this build omits `case_sensitive_like`; the
 * others compare `lower()` on both sides, so they fold exactly what SQLite
 * folds (ASCII letters only).
 */
export function nameMatch(match: TextMatch, text: string): [string, string] {
  switch (match) {
    case "equals":
      return ["name = ?", text];
    case "equals_ignore_case":
      return ["lower(name) = lower(?)", text];
    case "starts_with":
      return ["name GLOB ?", `${escapeGlob(text)}*`];
    case "contains":
      return ["name GLOB ?", `*${escapeGlob(text)}*`];
    case "ends_with":
      return ["name GLOB ?", `*${escapeGlob(text)}`];
    case "starts_with_ignore_case":
      return [likeIgnoringCase, `${escapeLike(text)}%`];
    case "contains_ignore_case":
      return [likeIgnoringCase, `%${escapeLike(text)}%`];
    case "ends_with_ignore_case":
      return [likeIgnoringCase, `%${escapeLike(text)}`];
  }
}

const likeIgnoringCase = "lower(name) LIKE lower(?) ESCAPE '\\'";

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[]/g, "[$&]");
}

function targetOfRow(row: TargetRow, secrets: SecretBox): Target {
  const open = (stored: string, field: "signingKey" | "previousSigningKey") =>
    secrets.open(stored, targetSecretPlace(row.resource_owner, row.id, field));
  const targetType: TargetType =
    row.target_type === "async"
      ? { kind: "async" }
      : { kind: row.target_type, interruptOnError: row.interrupt_on_error === 1n };
  return {
    id: row.id,
    name: row.name,
    endpoint: row.endpoint,
    timeoutMs: Number(row.timeout_ms),
    targetType,
    payloadType: row.payload_type,
    signingKey: open(row.signing_key, "signingKey"),
    ...(row.previous_signing_key === null
      ? {}
      : { previousSigningKey: open(row.previous_signing_key, "previousSigningKey") }),
    ...(row.previous_signing_key_expires_at === null
      ? {}
      : { previousSigningKeyExpiresAt: new Date(Number(row.previous_signing_key_expires_at)) }),
    createdAt: new Date(Number(row.created_at)),
    details: {
      sequence: row.sequence,
      changeDate: new Date(Number(row.change_date)),
      resourceOwner: row.resource_owner,
    },
    state: row.state,
    ...(row.disabled_reason === null ? {} : { disabledReason: row.disabled_reason }),
  };
}
