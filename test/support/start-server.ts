/**
 * Starts a real Switchyard server on port 0 over a real SQLite file, the way
 * server/main.ts does. Every call gets a fresh temp directory unless a
 * database path is given (to restart on the same data).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { type App, createApp } from "../../server/app.js";
import { type Config, defaultConfig } from "../../server/config.js";
import type { MasterKeys } from "../../server/store/secrets/master-key.js";
import { createSqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import type { Store } from "../../server/store/store.js";
import { createOnePortServer } from "../../server/transport/one-port-server.js";

export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string;
  readonly port: number;
  readonly databasePath: string;
  readonly store: Store;
  readonly app: App;
  /** Stops the server and closes the database; keeps the files. */
  stop(): Promise<void>;
  /** Stops and deletes the temp directory (unless the caller gave the database path). */
  close(): Promise<void>;
}

/**
 * Starts a server; `databasePath` reuses an existing database. Without
 * `masterKeys` the store uses the development key file next to the database;
 * `webRoot` serves another build of the admin page (default `web/dist`).
 */
export async function startServer(
  options: { databasePath?: string; logLevel?: string; config?: Partial<Config>; masterKeys?: MasterKeys; webRoot?: string } = {},
): Promise<RunningServer> {
  const directory = options.databasePath ? undefined : mkdtempSync(join(tmpdir(), "switchyard-test-"));
  const databasePath = options.databasePath ?? join(directory!, "switchyard.db");
  const logger = pino({ level: options.logLevel ?? process.env.SWITCHYARD_TEST_LOG_LEVEL ?? "silent" });
  const store = await createSqliteStore({
    path: databasePath,
    logger,
    ...(options.masterKeys ? { masterKeys: options.masterKeys } : {}),
  });
  const app = await createApp({ store, logger, webRoot: options.webRoot, config: { ...defaultConfig, databasePath, ...options.config } });
  const server = createOnePortServer({ handler: app.handler, logger });
  const { port } = await server.listen(0, "127.0.0.1");
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    app.beginShutdown();
    await server.close({ graceMs: 1000 });
    await app.close(1000);
    await store.close();
  };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    databasePath,
    store,
    app,
    stop,
    async close() {
      await stop();
      if (directory) rmSync(directory, { recursive: true, force: true });
    },
  };
}
