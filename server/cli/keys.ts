/**
 * `npm run keys -- <command>`: manages the API keys in the database named by
 * the configuration (`SWITCHYARD_DATABASE`, `SWITCHYARD_CONFIG`); see
 * keys-command.ts for the commands. Keys are printed once, on stdout, so
 * `KEY=$(npm run -s keys -- create …)` captures just the key.
 */
import { loadConfig } from "../config.js";
import { checkProductionConfig } from "../startup-checks.js";
import { resolveMasterKeys } from "../store/secrets/master-key-source.js";
import { createSqliteStore } from "../store/sqlite/sqlite-store.js";
import { runKeysCommand } from "./keys-command.js";

async function main(): Promise<void> {
  const config = loadConfig();
  // Like the server: production never opens its database without the configured master key.
  checkProductionConfig(config);
  const store = await createSqliteStore({ path: config.databasePath, masterKeys: resolveMasterKeys(config) });
  try {
    process.exitCode = await runKeysCommand(process.argv.slice(2), store, {
      stdout: (line) => process.stdout.write(`${line}\n`),
      stderr: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
