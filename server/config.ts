/**
 * Configuration: defaults for development, then an optional JSON file
 * (`SWITCHYARD_CONFIG`), then environment variables, each overriding the one before.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { RateLimitPolicy } from "./api/token-bucket.js";
import { parseConfiguredApiKeys } from "./auth/configured-keys.js";
import type { ApiKey } from "./domain/api-key.js";
import { parseCidrList } from "./engine/outbound-guard.js";

export interface Config {
  /** `development` (default) or `production`. */
  readonly env: "development" | "production";
  readonly host: string;
  readonly port: number;
  /** SQLite database file. */
  readonly databasePath: string;
  /** PEM files; when both are set the port serves TLS with ALPN h2 and http/1.1. */
  readonly tls?: { readonly certPath: string; readonly keyPath: string };
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  readonly logLevel: string;
  /** How long a rotated-out signing key stays valid. */
  readonly signingKeyOverlapMs: number;
  /** How long shutdown waits for in-flight RPCs and streams before closing them. */
  readonly shutdownGraceMs: number;
  /** Largest request message accepted. */
  readonly maxRequestBytes: number;
  /**
   * Requests per second per principal for every API RPC but ExecuteJob,
   * ExecuteBatch and PushEvent (`SWITCHYARD_RATE_LIMIT`; 0 = unlimited), and
   * the burst allowed above it (`SWITCHYARD_RATE_BURST`; default twice the
   * rate). Unset: unlimited in development, 1000/s burst 2000 in production.
   */
  readonly rateLimit?: number;
  readonly rateBurst?: number;
  /**
   * The separate budget of ExecuteJob, ExecuteBatch and PushEvent
   * (`SWITCHYARD_EXECUTE_RATE_LIMIT`, `SWITCHYARD_EXECUTE_RATE_BURST`). Unset:
   * unlimited in development, 500/s burst 1000 in production.
   */
  readonly executeRateLimit?: number;
  readonly executeRateBurst?: number;
  /** Streams (WatchEvents, WatchJob, WatchBatch) one principal may hold open at once; 0 = unlimited. */
  readonly maxStreamsPerPrincipal: number;
  /**
   * CIDR ranges targets may reach even though the deny list covers them
   * (`SWITCHYARD_TARGET_ALLOW`, comma-separated). Unset: loopback in
   * development, nothing in production.
   */
  readonly targetAllow?: readonly string[];
  /** Waits between delivery attempts, in ms; its length is the number of retries (`SWITCHYARD_DELIVERY_SCHEDULE`, e.g. `5s,30s,2m`). */
  readonly deliverySchedule: readonly number[];
  /** Most delivery attempts in flight at once in this process. */
  readonly deliveryConcurrency: number;
  /** How long a claimed delivery stays leased beyond its target's timeout before another dispatcher may take it. */
  readonly deliveryLeaseMs: number;
  /** How often the dispatcher looks for due deliveries it was not told about. */
  readonly deliveryPollMs: number;
  /** Run request/response executions on the server's own RPCs (off only for benchmarks). */
  readonly interception: boolean;
  /** Worker threads that make the calls to targets (0: the main thread makes them); default 1, 0 on a one-core machine. */
  readonly callThreads: number;
  /** Most jobs running at once in this process. */
  readonly jobConcurrency: number;
  /** How long a job's lease lasts without a heartbeat; a job of a dead process is re-run after it. */
  readonly jobLeaseMs: number;
  /** How often the runner looks for due jobs it was not told about (retries, reclaimed jobs). */
  readonly jobPollMs: number;
  /** Longest an ExecuteJob waits for a free place in the runner before it queues the job in the store (0: never). */
  readonly jobAdmissionWaitMs: number;
  /** Attempts of a job whose request does not say (retryable failures only). */
  readonly jobMaxAttempts: number;
  /** How long idempotency keys are kept (at least 24 h). */
  readonly idempotencyRetentionMs: number;
  /** HMAC key (`whsec_…`) that signs job and batch callbacks; development generates one next to the database. */
  readonly callbackSigningKey?: string;
  /**
   * API keys from the config file (`apiKeys: [{key | keyHash, owner, scopes,
   * name, expiresAt?}]`), hashed at load and kept in memory only.
   */
  readonly apiKeys: readonly ApiKey[];
  /** JWKS of the identity provider whose JWTs are accepted (`SWITCHYARD_JWKS_URL`), or a file holding it (`SWITCHYARD_JWKS_FILE`). */
  readonly jwksUrl?: string;
  readonly jwksFile?: string;
  /** Required `iss` of JWTs; needed with a JWKS. */
  readonly jwtIssuer?: string;
  /** Required `aud` of JWTs; needed with a JWKS. */
  readonly jwtAudience?: string;
  /** Clock skew allowed on `exp` and `nbf`, in seconds. */
  readonly jwtClockToleranceSeconds: number;
  /** JWT claim holding the resource owner. */
  readonly jwtOwnerClaim: string;
  /** The master key for secrets at rest (`SWITCHYARD_MASTER_KEY`), or a file holding it (`SWITCHYARD_MASTER_KEY_FILE`); production requires one. */
  readonly masterKey?: string;
  readonly masterKeyFile?: string;
  /**
   * Master keys the database may still be sealed with (base64 each;
   * `SWITCHYARD_PREVIOUS_MASTER_KEYS`, comma-separated): at start-up every
   * secret is re-sealed with the current key, in one transaction. Remove
   * them once the server started.
   */
  readonly previousMasterKeys?: readonly string[];
}

/** Loopback, which `npm start` (development) lets targets reach. */
export const developmentTargetAllow: readonly string[] = ["127.0.0.0/8", "::1/128"];

export const defaultConfig: Config = {
  env: "development",
  host: "127.0.0.1",
  port: 8080,
  databasePath: "./data/switchyard.db",
  logLevel: "info",
  signingKeyOverlapMs: 24 * 60 * 60 * 1000,
  shutdownGraceMs: 10_000,
  maxRequestBytes: 4 * 1024 * 1024,
  maxStreamsPerPrincipal: 16,
  deliverySchedule: [5_000, 30_000, 120_000, 600_000, 1_800_000, 7_200_000, 21_600_000],
  deliveryConcurrency: 64,
  deliveryLeaseMs: 30_000,
  deliveryPollMs: 1_000,
  interception: true,
  // On one core a call thread would only take turns with the main thread.
  callThreads: availableParallelism() > 1 ? 1 : 0,
  jobConcurrency: 64,
  jobLeaseMs: 30_000,
  jobPollMs: 1_000,
  jobAdmissionWaitMs: 1_000,
  jobMaxAttempts: 3,
  idempotencyRetentionMs: 24 * 60 * 60 * 1000,
  apiKeys: [],
  jwtClockToleranceSeconds: 30,
  jwtOwnerClaim: "owner",
};

/** The ranges targets may reach despite the deny list, with the environment's default. */
export function targetAllowOf(config: Pick<Config, "env" | "targetAllow">): readonly string[] {
  return config.targetAllow ?? (config.env === "development" ? developmentTargetAllow : []);
}

/** Rate limits when the configuration names none: off in development, generous in production. */
export const productionRateLimits = { rateLimit: 1000, executeRateLimit: 500 } as const;

type RateLimitKeys = "env" | "rateLimit" | "rateBurst" | "executeRateLimit" | "executeRateBurst";

/**
 * The `default` and `execute` budgets, with the environment's defaults; an
 * absent budget is unlimited. Throws naming a bad rate or burst.
 */
export function rateLimitsOf(config: Pick<Config, RateLimitKeys>): { default?: RateLimitPolicy; execute?: RateLimitPolicy } {
  const production = config.env === "production";
  const policy = (name: string, rate: number | undefined, burst: number | undefined, productionRate: number) => {
    const perSecond = rate ?? (production ? productionRate : 0);
    if (!(perSecond >= 0) || !Number.isFinite(perSecond)) throw new Error(`rate limit "${name}" must be ≥ 0 requests/s, not ${rate}`);
    if (burst !== undefined && !(burst >= 1)) throw new Error(`rate burst "${name}" must be ≥ 1, not ${burst}`);
    return perSecond === 0 ? undefined : { name, perSecond, burst: burst ?? Math.max(1, Math.ceil(2 * perSecond)) };
  };
  const defaultPolicy = policy("default", config.rateLimit, config.rateBurst, productionRateLimits.rateLimit);
  const executePolicy = policy("execute", config.executeRateLimit, config.executeRateBurst, productionRateLimits.executeRateLimit);
  return { ...(defaultPolicy && { default: defaultPolicy }), ...(executePolicy && { execute: executePolicy }) };
}

/** Environment variables and the config keys they set. */
const environmentKeys: Record<string, keyof Config> = {
  SWITCHYARD_ENV: "env",
  SWITCHYARD_HOST: "host",
  SWITCHYARD_PORT: "port",
  SWITCHYARD_DATABASE: "databasePath",
  SWITCHYARD_LOG_LEVEL: "logLevel",
  SWITCHYARD_SIGNING_KEY_OVERLAP_MS: "signingKeyOverlapMs",
  SWITCHYARD_SHUTDOWN_GRACE_MS: "shutdownGraceMs",
  SWITCHYARD_MAX_REQUEST_BYTES: "maxRequestBytes",
  SWITCHYARD_RATE_LIMIT: "rateLimit",
  SWITCHYARD_RATE_BURST: "rateBurst",
  SWITCHYARD_EXECUTE_RATE_LIMIT: "executeRateLimit",
  SWITCHYARD_EXECUTE_RATE_BURST: "executeRateBurst",
  SWITCHYARD_MAX_STREAMS_PER_PRINCIPAL: "maxStreamsPerPrincipal",
  SWITCHYARD_DELIVERY_CONCURRENCY: "deliveryConcurrency",
  SWITCHYARD_DELIVERY_LEASE_MS: "deliveryLeaseMs",
  SWITCHYARD_DELIVERY_POLL_MS: "deliveryPollMs",
  SWITCHYARD_CALL_THREADS: "callThreads",
  SWITCHYARD_JOB_CONCURRENCY: "jobConcurrency",
  SWITCHYARD_JOB_LEASE_MS: "jobLeaseMs",
  SWITCHYARD_JOB_POLL_MS: "jobPollMs",
  SWITCHYARD_JOB_ADMISSION_WAIT_MS: "jobAdmissionWaitMs",
  SWITCHYARD_JOB_MAX_ATTEMPTS: "jobMaxAttempts",
  SWITCHYARD_IDEMPOTENCY_RETENTION_MS: "idempotencyRetentionMs",
  SWITCHYARD_CALLBACK_SIGNING_KEY: "callbackSigningKey",
  SWITCHYARD_JWKS_URL: "jwksUrl",
  SWITCHYARD_JWKS_FILE: "jwksFile",
  SWITCHYARD_JWT_ISSUER: "jwtIssuer",
  SWITCHYARD_JWT_AUDIENCE: "jwtAudience",
  SWITCHYARD_JWT_CLOCK_TOLERANCE_SECONDS: "jwtClockToleranceSeconds",
  SWITCHYARD_JWT_OWNER_CLAIM: "jwtOwnerClaim",
  SWITCHYARD_MASTER_KEY: "masterKey",
  SWITCHYARD_MASTER_KEY_FILE: "masterKeyFile",
};

const numericKeys = new Set<keyof Config>([
  "port",
  "signingKeyOverlapMs",
  "shutdownGraceMs",
  "maxRequestBytes",
  "rateLimit",
  "rateBurst",
  "executeRateLimit",
  "executeRateBurst",
  "maxStreamsPerPrincipal",
  "deliveryConcurrency",
  "deliveryLeaseMs",
  "deliveryPollMs",
  "callThreads",
  "jobConcurrency",
  "jobLeaseMs",
  "jobPollMs",
  "jobAdmissionWaitMs",
  "jobMaxAttempts",
  "idempotencyRetentionMs",
  "jwtClockToleranceSeconds",
]);

/** Reads the configuration; throws with a clear message on a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const file = env.SWITCHYARD_CONFIG ? readConfigFile(env.SWITCHYARD_CONFIG) : {};
  const fromEnv: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(environmentKeys)) {
    const value = env[variable];
    if (value !== undefined && value !== "") fromEnv[key] = numericKeys.has(key) ? parseNumber(variable, value) : value;
  }
  const tls =
    env.SWITCHYARD_TLS_CERT && env.SWITCHYARD_TLS_KEY
      ? { tls: { certPath: env.SWITCHYARD_TLS_CERT, keyPath: env.SWITCHYARD_TLS_KEY } }
      : {};
  if (env.SWITCHYARD_TARGET_ALLOW !== undefined) fromEnv.targetAllow = parseCidrList(env.SWITCHYARD_TARGET_ALLOW);
  if (env.SWITCHYARD_DELIVERY_SCHEDULE) fromEnv.deliverySchedule = parseSchedule("SWITCHYARD_DELIVERY_SCHEDULE", env.SWITCHYARD_DELIVERY_SCHEDULE);
  if (env.SWITCHYARD_INTERCEPTION) fromEnv.interception = env.SWITCHYARD_INTERCEPTION !== "off";
  if (env.SWITCHYARD_PREVIOUS_MASTER_KEYS) fromEnv.previousMasterKeys = parseList(env.SWITCHYARD_PREVIOUS_MASTER_KEYS);
  const apiKeys = parseConfiguredApiKeys(file.apiKeys);
  const config = { ...defaultConfig, ...file, ...fromEnv, ...tls, apiKeys } as Config;
  checkJwtSettings(config);
  if (file.targetAllow !== undefined && fromEnv.targetAllow === undefined) parseCidrList(file.targetAllow.join(","));
  if (config.env !== "development" && config.env !== "production") {
    throw new Error(`SWITCHYARD_ENV must be "development" or "production", not ${JSON.stringify(config.env)}`);
  }
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new Error(`port must be 0..65535, not ${config.port}`);
  }
  rateLimitsOf(config);
  if (!Number.isInteger(config.callThreads) || config.callThreads < 0 || config.callThreads > 64) {
    throw new Error(`SWITCHYARD_CALL_THREADS (callThreads) must be an integer 0..64, not ${config.callThreads}`);
  }
  if (!Number.isInteger(config.maxStreamsPerPrincipal) || config.maxStreamsPerPrincipal < 0) {
    throw new Error(`maxStreamsPerPrincipal must be an integer ≥ 0, not ${config.maxStreamsPerPrincipal}`);
  }
  return config;
}

/** A JWKS needs an issuer and an audience: without them any token of that provider, for any service, would do. */
function checkJwtSettings(config: Config): void {
  if (config.jwksUrl && config.jwksFile) throw new Error("set one of SWITCHYARD_JWKS_URL and SWITCHYARD_JWKS_FILE, not both");
  if ((config.jwksUrl || config.jwksFile) && (!config.jwtIssuer || !config.jwtAudience)) {
    throw new Error("a JWKS needs SWITCHYARD_JWT_ISSUER and SWITCHYARD_JWT_AUDIENCE (jwtIssuer, jwtAudience)");
  }
  if (!(config.jwtClockToleranceSeconds >= 0)) throw new Error("SWITCHYARD_JWT_CLOCK_TOLERANCE_SECONDS must be >= 0");
}

/** Parses `5s,30s,2m,1h,250ms` (or plain milliseconds) into milliseconds; throws naming a bad entry. */
export function parseSchedule(variable: string, text: string): number[] {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return text.split(",").map((raw) => {
    const entry = raw.trim();
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(entry);
    if (!match) throw new Error(`${variable}: ${JSON.stringify(entry)} is not a duration (e.g. 250ms, 5s, 2m, 1h)`);
    return Math.round(Number(match[1]) * units[match[2] ?? "ms"]!);
  });
}

function readConfigFile(path: string): Partial<Config> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Partial<Config>;
  } catch (error) {
    throw new Error(`cannot read config file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function parseList(text: string): string[] {
  return text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

function parseNumber(variable: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number)) throw new Error(`${variable} must be a number, not ${JSON.stringify(value)}`);
  return number;
}
