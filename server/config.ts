/**
 * Configuration: defaults for development, then an optional JSON file
 * (`SWITCHYARD_CONFIG`), then environment variables, each overriding the one before.
 */
import { readFileSync } from "node:fs";

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
}

export const defaultConfig: Config = {
  env: "development",
  host: "127.0.0.1",
  port: 8080,
  databasePath: "./data/switchyard.db",
  logLevel: "info",
  signingKeyOverlapMs: 24 * 60 * 60 * 1000,
  shutdownGraceMs: 10_000,
  maxRequestBytes: 4 * 1024 * 1024,
};

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
};

const numericKeys = new Set<keyof Config>(["port", "signingKeyOverlapMs", "shutdownGraceMs", "maxRequestBytes"]);

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
  const config = { ...defaultConfig, ...file, ...fromEnv, ...tls } as Config;
  if (config.env !== "development" && config.env !== "production") {
    throw new Error(`SWITCHYARD_ENV must be "development" or "production", not ${JSON.stringify(config.env)}`);
  }
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new Error(`port must be 0..65535, not ${config.port}`);
  }
  return config;
}

function readConfigFile(path: string): Partial<Config> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Partial<Config>;
  } catch (error) {
    throw new Error(`cannot read config file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function parseNumber(variable: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number)) throw new Error(`${variable} must be a number, not ${JSON.stringify(value)}`);
  return number;
}
