/**
 * Per-target circuit breakers, so a failing endpoint is not hammered: closed
 * until `failureThreshold` consecutive failures, then open (calls refused)
 * for `cooldownMs`, then half-open: exactly one trial call; its success
 * closes the breaker, its failure opens it for a fresh cooldown.
 */

export interface CircuitBreakersOptions {
  /** Consecutive failures that open a breaker (default 5). */
  readonly failureThreshold?: number;
  /** How long an open breaker refuses calls (default 30 s). */
  readonly cooldownMs?: number;
  readonly now?: () => number;
}

export type CallPermission = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

export interface CircuitBreakers {
  /** Whether a call to `key` may go out now; a half-open breaker lets exactly one through. */
  canCall(key: string): CallPermission;
  recordSuccess(key: string): void;
  recordFailure(key: string): void;
  /** `closed`, `open` or `half_open`, for metrics and tests. */
  state(key: string): "closed" | "open" | "half_open";
}

interface Breaker {
  failures: number;
  openedAt?: number;
  trialInFlight: boolean;
}

/** Creates an empty set of breakers; a key without failures holds no memory. */
export function createCircuitBreakers(options: CircuitBreakersOptions = {}): CircuitBreakers {
  const threshold = options.failureThreshold ?? 5;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const now = options.now ?? Date.now;
  const breakers = new Map<string, Breaker>();

  const stateOf = (breaker: Breaker | undefined) => {
    if (breaker?.openedAt === undefined) return "closed" as const;
    return now() - breaker.openedAt >= cooldownMs ? ("half_open" as const) : ("open" as const);
  };

  return {
    canCall(key) {
      const breaker = breakers.get(key);
      const state = stateOf(breaker);
      if (state === "closed") return { allowed: true };
      if (state === "open") return { allowed: false, retryAfterMs: breaker!.openedAt! + cooldownMs - now() };
      if (breaker!.trialInFlight) return { allowed: false, retryAfterMs: cooldownMs };
      breaker!.trialInFlight = true;
      return { allowed: true };
    },
    recordSuccess(key) {
      breakers.delete(key);
    },
    recordFailure(key) {
      const breaker = breakers.get(key) ?? { failures: 0, trialInFlight: false };
      breaker.failures++;
      breaker.trialInFlight = false;
      if (breaker.openedAt !== undefined || breaker.failures >= threshold) breaker.openedAt = now();
      breakers.set(key, breaker);
    },
    state: (key) => stateOf(breakers.get(key)),
  };
}
