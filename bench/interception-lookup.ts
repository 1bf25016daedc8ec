/**
 * In process, without network or scheduling noise: what the router lookups
 * of interception cost an RPC that no execution matches. The real app on a
 * fresh SQLite file, seeded as in the interception benchmark; then the two
 * lookups the interceptor makes for GetTarget (request side, response side)
 * are timed over a million RPCs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../server/app.js";
import { defaultConfig } from "../server/config.js";
import { createLogger } from "../server/logger.js";
import { createSqliteStore } from "../server/store/sqlite/sqlite-store.js";
import { measuredMethod, probeMethod, seedNonMatchingExecutions } from "./interception-seed.js";

/** The owner every unauthenticated request acts for. */
const owner = "default";
const rpcs = 1_000_000;

/** CPU time per RPC (ns) of the request- and response-side lookups for GetTarget. */
export async function measureLookupNanos(): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), "switchyard-bench-lookup-"));
  const logger = createLogger("error", { fd: 2 });
  const config = { ...defaultConfig, databasePath: join(directory, "bench.db") };
  const store = await createSqliteStore({ path: config.databasePath, logger });
  const app = await createApp({ store, logger, config });
  const server = createServer(app.handler as Parameters<typeof createServer>[1]);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as { port: number };
    await seedNonMatchingExecutions(`http://127.0.0.1:${port}`);
    const { router } = app.engine;
    if (router.rpcTargets(owner, "request", probeMethod).length !== 1) throw new Error(`owner ${owner} has no seeded executions`);
    let matched = 0;
    const lookups = () => {
      for (let index = 0; index < rpcs; index++) {
        matched += router.rpcTargets(owner, "request", measuredMethod).length;
        matched += router.rpcTargets(owner, "response", measuredMethod).length;
      }
    };
    lookups(); // warm-up: let the optimiser see the loop first
    const before = process.cpuUsage();
    lookups();
    const used = process.cpuUsage(before);
    if (matched !== 0) throw new Error(`${matched} lookups matched ${measuredMethod}`);
    return ((used.user + used.system) * 1000) / rpcs;
  } finally {
    server.close();
    app.beginShutdown();
    await app.close(0);
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
