/**
 * PushEvent load over Connect JSON with a keep-alive undici pool: open-loop at
 * a fixed rate (sends follow a timetable, never waiting for earlier answers),
 * or closed-loop as fast as `concurrency` clients can go. Every event is
 * `bench.created` on its own aggregate with `{n, sentAt}` as payload, `sentAt`
 * on the wall clock `performance.timeOrigin + performance.now()`, taken right
 * before the request is handed to the pool.
 */
import { Pool } from "undici";
import { jsonHeaders } from "./bench-process.js";

const pushPath = "/switchyard.v1.EventService/PushEvent";
const clock = () => performance.timeOrigin + performance.now();

/** What one load run did; times are ms. */
export interface PushOutcome {
  readonly sent: number;
  readonly accepted: number;
  readonly errors: number;
  /** PushEvent response times, sorted. */
  readonly responseMs: Float64Array;
  /** How late each send was against its timetable, sorted (fixed rate only; empty otherwise). */
  readonly lagMs: Float64Array;
  /** Most requests in flight at once. */
  readonly maxInFlight: number;
  /** Wall clock of the first send and the last answer. */
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** A pool of `connections` keep-alive connections to the server. */
export interface Pusher {
  /** Pushes event `n`; resolves with its response time (ms), or rejects on a non-200 answer. */
  push(n: number): Promise<number>;
  close(): Promise<void>;
}

/** Creates a pusher for the server at `baseUrl`. */
export function createPusher(baseUrl: string, connections: number): Pusher {
  const pool = new Pool(baseUrl, { connections, keepAliveTimeout: 60_000 });
  return {
    async push(n) {
      const sentAt = clock();
      const body = JSON.stringify({ aggregateType: "bench", aggregateId: `order-${n}`, type: "bench.created", payload: { n, sentAt } });
      const response = await pool.request({ method: "POST", path: pushPath, headers: jsonHeaders, body });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`PushEvent answered ${response.statusCode}: ${text}`);
      return clock() - sentAt;
    },
    close: () => pool.close(),
  };
}

function tracker(total: number) {
  const responseMs: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let errors = 0;
  let firstError: unknown;
  return {
    async track(push: Promise<number>): Promise<void> {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        responseMs.push(await push);
      } catch (error) {
        errors++;
        firstError ??= error;
      } finally {
        inFlight--;
      }
    },
    outcome(startedAt: number, lagMs: number[]): PushOutcome {
      if (firstError) console.error("first PushEvent error:", firstError);
      return {
        sent: total,
        accepted: responseMs.length,
        errors,
        responseMs: Float64Array.from(responseMs).sort(),
        lagMs: Float64Array.from(lagMs).sort(),
        maxInFlight,
        startedAt,
        finishedAt: clock(),
      };
    },
  };
}

/** Open loop: event n is due at start + n / rate; a timer sends whatever is due, without waiting for answers. */
export async function pushAtFixedRate(pusher: Pusher, options: { rate: number; seconds: number; firstN: number }): Promise<PushOutcome> {
  const total = Math.round(options.rate * options.seconds);
  const intervalMs = 1000 / options.rate;
  const track = tracker(total);
  const lagMs: number[] = [];
  const answers: Promise<void>[] = [];
  const startedAt = clock();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((clock() - startedAt) / intervalMs) + 1);
      for (; sent < due; sent++) {
        lagMs.push(clock() - (startedAt + sent * intervalMs));
        answers.push(track.track(pusher.push(options.firstN + sent)));
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(answers);
  return track.outcome(startedAt, lagMs);
}

/** Closed loop: `concurrency` clients each push, await the answer, and push the next, until `count` are sent. */
export async function pushAsFastAsPossible(pusher: Pusher, options: { count: number; concurrency: number; firstN: number }): Promise<PushOutcome> {
  const track = tracker(options.count);
  const startedAt = clock();
  let next = 0;
  const client = async () => {
    while (next < options.count) await track.track(pusher.push(options.firstN + next++));
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return track.outcome(startedAt, []);
}
