/**
 * The benchmark's server process: the real app on a fresh SQLite file, plus
 * the bare echo handler on the same port. Prints `{"port":N}` on stdout once
 * listening; stops on SIGTERM.
 *
 * Configuration comes from `loadConfig()` and the process environment (so a
 * runner can start it with e.g. `SWITCHYARD_INTERCEPTION=off`), except the
 * port (always 0: a free one) and the database (always a fresh temporary file).
 * `GET /bench/event-loop` answers the main thread's cumulative event-loop
 * utilisation (`{idle, active}`, ms), so a runner can tell how busy the
 * thread that runs every handler and every SQLite write was during a phase.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createApp } from "../server/app.js";
import { loadConfig } from "../server/config.js";
import { createLogger } from "../server/logger.js";
import { createSqliteStore } from "../server/store/sqlite/sqlite-store.js";
import { createOnePortServer } from "../server/transport/one-port-server.js";
import { createEchoHandler, echoPathPrefix, laneEchoPathPrefix } from "./echo-service.js";

const directory = mkdtempSync(join(tmpdir(), "switchyard-bench-"));
const config = { ...loadConfig(process.env), port: 0, databasePath: join(directory, "bench.db") };
// Logs go to stderr at the configured level (default: the server's default, info).
const logger = createLogger(config.logLevel, { fd: 2 });
const store = await createSqliteStore({ path: config.databasePath, logger });
const app = await createApp({ store, logger, config });
const echo = createEchoHandler();
type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;
const eventLoopPath = "/bench/event-loop";
const handler = (request: AnyRequest, response: AnyResponse) => {
  if (request.url === eventLoopPath) return void (response as ServerResponse).end(JSON.stringify(performance.eventLoopUtilization()));
  return request.url?.startsWith(echoPathPrefix) || request.url?.startsWith(laneEchoPathPrefix)
    ? (echo as (q: AnyRequest, s: AnyResponse) => void)(request, response)
    : (app.handler as (q: AnyRequest, s: AnyResponse) => void)(request, response);
};
const server = createOnePortServer({ handler: handler as typeof app.handler, logger });
const { port } = await server.listen(config.port, "127.0.0.1");
process.stdout.write(`${JSON.stringify({ port })}\n`);

process.on("SIGTERM", async () => {
  app.beginShutdown();
  await server.close({ graceMs: 500 });
  await app.close(500);
  await store.close();
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
});
