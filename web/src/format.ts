/**
 * How values look on the page: times, durations, enum names, JSON.
 */
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { h } from "./dom.js";

/** `2025-01-31 12:00:05` in local time, with the ISO instant as a tooltip; `—` when unset. */
export function timeCell(timestamp: Timestamp | undefined): HTMLElement | string {
  if (!timestamp) return "—";
  const date = timestampDate(timestamp);
  const pad = (value: number) => String(value).padStart(2, "0");
  const local = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return h("time", { datetime: date.toISOString(), title: date.toISOString() }, local);
}

/** Seconds of a Duration as a number. */
export function durationSeconds(duration: Duration | undefined): number | undefined {
  return duration ? Number(duration.seconds) + duration.nanos / 1e9 : undefined;
}

/** `1.5 s`, `250 ms`. */
export function durationText(duration: Duration | undefined): string {
  const seconds = durationSeconds(duration);
  if (seconds === undefined) return "—";
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${Number(seconds.toFixed(3))} s`;
}

/** A Duration from seconds (fractions kept to the nanosecond); undefined for an empty or non-numeric text. */
export function durationFromSeconds(text: string): { seconds: bigint; nanos: number } | undefined {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  const whole = Math.trunc(value);
  return { seconds: BigInt(whole), nanos: Math.round((value - whole) * 1e9) };
}

/** `SUCCEEDED` → `succeeded`, `ASYNC_CALL` → `async call`: an enum value as words. */
export function enumWords(enumObject: Record<number, string>, value: number): string {
  return (enumObject[value] ?? String(value)).toLowerCase().replace(/_/g, " ");
}

/** A status badge whose class names its tone (`status-succeeded`, …). */
export function statusBadge(enumObject: Record<number, string>, value: number): HTMLElement {
  const name = (enumObject[value] ?? "unknown").toLowerCase();
  return h("span", { class: `badge status-${name.replace(/_/g, "-")}` }, name.replace(/_/g, " "));
}

/** JSON, indented, in a `<pre>`. */
export function jsonBlock(value: unknown, label?: string): HTMLElement {
  return h("pre", { class: "json", tabindex: 0, "aria-label": label }, JSON.stringify(value, null, 2) ?? "null");
}

/** `abc…` for long ids in tables (the full value stays in the title). */
export function shortId(id: string, length = 12): HTMLElement {
  return h("code", { title: id }, id.length > length ? `${id.slice(0, length)}…` : id);
}
