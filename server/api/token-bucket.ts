/**
 * Token buckets keyed by principal: pure bookkeeping with an injected clock,
 * no timers. A bucket holds up to `burst` tokens, refills at `perSecond`, and
 * every request takes one. Made to sit on every RPC: one Map lookup and a few
 * float operations per call, no allocation once a key's bucket exists.
 */

/** A named budget: a sustained rate and the burst allowed on top of it. */
export interface RateLimitPolicy {
  /** Appears in `RateLimit-Policy` / `RateLimit` headers: `default` or `execute`. */
  readonly name: string;
  /** Tokens added per second (the sustained request rate); > 0. */
  readonly perSecond: number;
  /** Most tokens a bucket holds (requests allowed at once after a quiet spell); ≥ 1. */
  readonly burst: number;
}

/** The buckets of one policy. */
export interface TokenBuckets {
  /**
   * Takes a token from `key`'s bucket (a new key starts full). Returns 0 when
   * one was taken, otherwise the milliseconds until one will be available;
   * a refused request takes nothing.
   */
  take(key: string): number;
  /** Number of buckets held (full buckets are dropped by the periodic sweep). */
  readonly size: number;
}

const tokenEpsilon = 1e-9;

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * Creates the buckets of `policy`. `now` is a monotonic clock in ms (default
 * `performance.now`). Every `sweepIntervalMs` (default 60 s) a take drops the
 * buckets that have refilled completely: a full bucket and no bucket are the
 * same thing, so memory follows the principals active in the last minute.
 */
export function createTokenBuckets(
  policy: RateLimitPolicy,
  options: { now?: () => number; sweepIntervalMs?: number } = {},
): TokenBuckets {
  if (!(policy.perSecond > 0) || !(policy.burst >= 1)) {
    throw new Error(`rate limit "${policy.name}": perSecond must be > 0 and burst ≥ 1, not ${policy.perSecond}/${policy.burst}`);
  }
  const now = options.now ?? (() => performance.now());
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  const perMs = policy.perSecond / 1000;
  const { burst } = policy;
  const buckets = new Map<string, Bucket>();
  let sweptAt = now();

  const sweep = (at: number) => {
    sweptAt = at;
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + (at - bucket.refilledAt) * perMs >= burst) buckets.delete(key);
    }
  };

  return {
    take(key) {
      const at = now();
      if (at - sweptAt >= sweepIntervalMs) sweep(at);
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { tokens: burst, refilledAt: at };
        buckets.set(key, bucket);
      } else if (at > bucket.refilledAt) {
        bucket.tokens = Math.min(burst, bucket.tokens + (at - bucket.refilledAt) * perMs);
        bucket.refilledAt = at;
      }
      // Refills add up in floating point (10 × 0.1 < 1): a hair under one token counts as one.
      if (bucket.tokens >= 1 - tokenEpsilon) {
        bucket.tokens = Math.max(0, bucket.tokens - 1);
        return 0;
      }
      return Math.ceil((1 - bucket.tokens) / perMs);
    },
    get size() {
      return buckets.size;
    },
  };
}
