/**
 * The benchmark's server process: the real app on a fresh SQLite file, plus
 * the bare echo handler on the same port. Prints `{"port":N}` on stdout once
 * listening; stops on SIGTERM.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../server/app.js";
import { defaultConfig } from "../server/config.js";
import { createLogger } from "../server/logger.js";
import { createSqliteStore } from "../server/store/sqlite/sqlite-store.js";
import { createOnePortServer } from "../server/transport/one-port-server.js";
import { createEchoHandler, echoPathPrefix } from "./echo-service.js";

const directory = mkdtempSync(join(tmpdir(), "switchyard-bench-"));
// Logs go to stderr at the level asked for (default: the server's default, info).
const logger = createLogger(process.env.SWITCHYARD_LOG_LEVEL ?? defaultConfig.logLevel, { fd: 2 });
const store = await createSqliteStore({ path: join(directory, "bench.db"), logger });
const app = await createApp({ store, logger, config: defaultConfig });
const echo = createEchoHandler();
type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;
const handler = (request: AnyRequest, response: AnyResponse) =>
  request.url?.startsWith(echoPathPrefix)
    ? (echo as (q: AnyRequest, s: AnyResponse) => void)(request, response)
    : (app.handler as (q: AnyRequest, s: AnyResponse) => void)(request, response);
const server = createOnePortServer({ handler: handler as typeof app.handler, logger });
const { port } = await server.listen(0, "127.0.0.1");
process.stdout.write(`${JSON.stringify({ port })}\n`);

process.on("SIGTERM", async () => {
  app.beginShutdown();
  await server.close({ graceMs: 500 });
  await app.close(500);
  await store.close();
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
});
