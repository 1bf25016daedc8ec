/**
 * What the delivery benchmark makes of the sink's receipts: latency
 * distributions, completeness, and receipt rates.
 */
import { percentile } from "./bench-process.js";
import type { SinkReceipts } from "./sink-client.js";

/** p50 / p90 / p99 / p99.9 / max (and min) of a distribution, ms. */
export interface Distribution {
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** The distribution of `values`. */
export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return {
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** Formats a time in ms with a precision that suits it. */
export const ms = (value: number): string => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0));

/** What arrived, against what was sent. */
export interface Deliveries {
  /** Distinct events received (each `n` counted once). */
  readonly delivered: number;
  /** Requests beyond the first per event (retries, at-least-once). */
  readonly duplicates: number;
  /** Send → receipt of each event's first receipt (ms). */
  readonly latency: Distribution;
  /** Send → the event's `createdAt` (the append, ms resolution on the server's clock). */
  readonly toAppend: Distribution;
  /** `createdAt` → receipt: commit, dispatch, signing, the HTTP call. */
  readonly appendToReceipt: Distribution;
  /** p99 of send → receipt in consecutive windows of `windowMs` by send time: shows stalls apart from steady state. */
  readonly windowP99: number[];
  /** Receipts per second from the first to the last receipt. */
  readonly receiptsPerSecond: number;
  /** Wall clock of the first and last receipt. */
  readonly firstReceipt: number;
  readonly lastReceipt: number;
}

/** Reads the receipts of one phase; `windowMs` is the width of the windows of `windowP99`. */
export function deliveries(receipts: SinkReceipts, windowMs = 5000): Deliveries {
  const seen = new Set<number>();
  const latency: number[] = [];
  const windows: number[][] = [];
  const { first: firstSend } = span(receipts.sentAt);
  const toAppend: number[] = [];
  const appendToReceipt: number[] = [];
  receipts.n.forEach((n, index) => {
    if (seen.has(n)) return;
    seen.add(n);
    const sentAt = receipts.sentAt[index]!;
    latency.push(receipts.receivedAt[index]! - sentAt);
    (windows[Math.floor((sentAt - firstSend) / windowMs)] ??= []).push(receipts.receivedAt[index]! - sentAt);
    toAppend.push(receipts.createdAt[index]! - receipts.sentAt[index]!);
    appendToReceipt.push(receipts.receivedAt[index]! - receipts.createdAt[index]!);
  });
  const { first: firstReceipt, last: lastReceipt } = span(receipts.receivedAt);
  return {
    delivered: seen.size,
    duplicates: receipts.n.length - seen.size,
    latency: distribution(latency),
    toAppend: distribution(toAppend),
    appendToReceipt: distribution(appendToReceipt),
    windowP99: Array.from(windows, (window) => (window ? distribution(window).p99 : Number.NaN)),
    receiptsPerSecond: receiptRate(receipts.receivedAt),
    firstReceipt,
    lastReceipt,
  };
}

/** Requests per second at the sink, from the first receipt to the last. */
export function receiptRate(receivedAt: readonly number[]): number {
  if (receivedAt.length < 2) return 0;
  const { first, last } = span(receivedAt);
  return ((receivedAt.length - 1) * 1000) / (last - first);
}

function span(times: readonly number[]): { first: number; last: number } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const at of times) {
    first = Math.min(first, at);
    last = Math.max(last, at);
  }
  return { first, last };
}
