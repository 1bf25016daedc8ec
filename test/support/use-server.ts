/**
 * A real server for a test file: started before each test (or once for the
 * file) on a fresh SQLite file and closed after. Read its fields inside tests.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { type RunningServer, startServer } from "./start-server.js";

/** Registers the hooks and returns a view of the current server. */
export function useServer(scope: "each" | "all"): RunningServer {
  let current: RunningServer | undefined;
  (scope === "each" ? beforeEach : beforeAll)(async () => {
    current = await startServer();
  });
  (scope === "each" ? afterEach : afterAll)(async () => {
    await current?.close();
    current = undefined;
  });
  const running = (): RunningServer => {
    if (!current) throw new Error("no server: use it inside a test");
    return current;
  };
  return {
    get baseUrl() {
      return running().baseUrl;
    },
    get port() {
      return running().port;
    },
    get databasePath() {
      return running().databasePath;
    },
    get store() {
      return running().store;
    },
    get app() {
      return running().app;
    },
    stop: () => running().stop(),
    close: () => running().close(),
  };
}
