/**
 * Options several commands share (paging, time ranges, statuses) and their
 * conversion to request fields.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { type Duration, type DurationSchema, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { PaginationRequestSchema, TimeRangeSchema } from "../client/node.js";
import { type OptionSpec, type OptionValues, UsageError, bigintOption, integerOption, listOption, stringOption } from "./command.js";

/** `--limit`, `--offset`, `--asc`. */
export const paginationOptions: Readonly<Record<string, OptionSpec>> = {
  limit: { type: "string", value: "<n>", description: "page size, 1..1000 (default 100)" },
  offset: { type: "string", value: "<n>", description: "results to skip" },
  asc: { type: "boolean", description: "oldest first (default: newest first)" },
};

/** The PaginationRequest of `--limit`, `--offset`, `--asc`. */
export function paginationOf(values: OptionValues): MessageInitShape<typeof PaginationRequestSchema> {
  const limit = integerOption(values, "limit");
  return {
    offset: bigintOption(values, "offset") ?? 0n,
    asc: values.asc === true,
    ...(limit === undefined ? {} : { limit }),
  };
}

/** `--since`, `--until`: a creation time range. */
export const createdRangeOptions: Readonly<Record<string, OptionSpec>> = {
  since: { type: "string", value: "<time>", description: "created at or after (ISO 8601)" },
  until: { type: "string", value: "<time>", description: "created before (ISO 8601)" },
};

/** The TimeRange of `--since`/`--until`, or undefined when neither is set. */
export function createdRangeOf(values: OptionValues): MessageInitShape<typeof TimeRangeSchema> | undefined {
  const since = timeOption(values, "since");
  const until = timeOption(values, "until");
  if (!since && !until) return undefined;
  return { ...(since ? { from: timestampFromDate(since) } : {}), ...(until ? { to: timestampFromDate(until) } : {}) };
}

function timeOption(values: OptionValues, name: string): Date | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--${name} must be an ISO 8601 time, not ${JSON.stringify(text)}`);
  return date;
}

const durationUnits: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1500ms`, `5s`, `2.5m`, `1h`, `30d` (or bare seconds) as a google.protobuf.Duration. */
export function parseDuration(text: string, name: string): MessageInitShape<typeof DurationSchema> {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--${name} must be a duration like 500ms, 5s, 2m or 1h, not ${JSON.stringify(text)}`);
  const milliseconds = Math.round(Number(match[1]) * durationUnits[match[2] ?? "s"]!);
  return { seconds: BigInt(Math.floor(milliseconds / 1000)), nanos: (milliseconds % 1000) * 1_000_000 };
}

/** A Duration as `5s`, `1.5s`, `250ms`. */
export function formatDuration(duration: Duration | undefined): string {
  if (!duration) return "";
  const milliseconds = Number(duration.seconds) * 1000 + duration.nanos / 1_000_000;
  return milliseconds < 1000 ? `${Math.round(milliseconds)}ms` : `${Number((milliseconds / 1000).toFixed(3))}s`;
}

/**
 * The values of a protobuf enum named on the command line without its prefix
 * and in any case: `succeeded` → `JobStatus.SUCCEEDED`.
 */
export function enumValues<E extends number>(enumObject: Record<string, string | E>, names: readonly string[], option: string): E[] {
  return names.map((name) => {
    const key = name.toUpperCase().replaceAll("-", "_");
    const value = enumObject[key];
    if (typeof value !== "number" || value === 0) {
      const allowed = Object.keys(enumObject).filter((candidate) => Number.isNaN(Number(candidate)) && enumObject[candidate] !== 0);
      throw new UsageError(`--${option} ${name}: expected one of ${allowed.map((candidate) => candidate.toLowerCase().replaceAll("_", "-")).join(", ")}`);
    }
    return value;
  });
}

/** `--status a,b` as enum values. */
export function statusesOf<E extends number>(values: OptionValues, enumObject: Record<string, string | E>, option = "status"): E[] {
  return enumValues(enumObject, listOption(values, option), option);
}

/** An enum value's short lower-case name: `JobStatus.PARTIALLY_FAILED` → `partially-failed`. */
export function enumName(enumObject: Record<number, string>, value: number): string {
  return (enumObject[value] ?? String(value)).toLowerCase().replaceAll("_", "-");
}
