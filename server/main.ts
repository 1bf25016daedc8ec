/**
 * Entry point: config → the database's server lock → store → app → listen;
 * graceful shutdown on SIGTERM/SIGINT.
 */
import { readFileSync } from "node:fs";
import { createApp } from "./app.js";
import { devApiKey, devApiKeyGrant } from "./auth/api-key-tokens.js";
import { loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { checkProductionAuth, checkProductionConfig } from "./startup-checks.js";
import { resolveMasterKeys } from "./store/secrets/master-key-source.js";
import { holdServerLock } from "./store/sqlite/server-lock.js";
import { createSqliteStore } from "./store/sqlite/sqlite-store.js";
import { createOnePortServer } from "./transport/one-port-server.js";

async function main(): Promise<void> {
  const config = loadConfig();
  checkProductionConfig(config);
  const logger = createLogger(config.logLevel);
  // Before anything reads or writes the database: one server per database (store/sqlite/server-lock.ts).
  const lock = holdServerLock(config.databasePath);
  const masterKeys = resolveMasterKeys(config, logger);
  const store = await createSqliteStore({ path: config.databasePath, logger, masterKeys });
  await checkProductionAuth(config, store).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const app = await createApp({ store, logger, config });
  const tls = config.tls && { cert: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) };
  const server = createOnePortServer({ handler: app.handler, logger, ...(tls ? { tls } : {}) });
  const { port } = await server.listen(config.port, config.host);
  const scheme = tls ? "https" : "http";
  logger.info({ url: `${scheme}://${config.host}:${port}`, database: config.databasePath, env: config.env }, "listening");
  if (config.env === "development") {
    logger.warn(
      { apiKey: devApiKey, owner: devApiKeyGrant.resourceOwner, scopes: devApiKeyGrant.scopes },
      `development mode: send "Authorization: Bearer ${devApiKey}" (admin for owner default); production never accepts this key`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down");
    app.beginShutdown();
    await server.close({ graceMs: config.shutdownGraceMs });
    await app.close(config.shutdownGraceMs);
    await store.close();
    lock.release();
    logger.info("stopped");
    logger.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
