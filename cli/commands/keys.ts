/**
 * `switchyard keys …` is `npm run keys -- …` (server/cli/keys.ts): API keys
 * live in the database, not behind the API, so this runs that very command in
 * a child process, on the database the configuration names
 * (`SWITCHYARD_DATABASE`, `SWITCHYARD_CONFIG`), with its arguments as given.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const keysScript = fileURLToPath(new URL("../../server/cli/keys.ts", import.meta.url));

/** Help shown by `switchyard keys --help` and the main help. */
export const keysUsage = `switchyard keys create --owner <owner> --scopes <scope,…> --name <name> [--expires <ISO time>]
switchyard keys list [--owner <owner>]
switchyard keys revoke <key id>

Works on the database directly (like npm run keys), not through --server:
run it where the server's configuration applies (SWITCHYARD_DATABASE, SWITCHYARD_CONFIG,
SWITCHYARD_MASTER_KEY). create prints the key once on stdout, details on stderr.
`;

/** Runs server/cli/keys.ts with `args`, sharing stdin/stdout/stderr; answers its exit code. */
export function runKeys(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // tsx by absolute URL: the CLI may run from any directory.
  const tsx = import.meta.resolve("tsx");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsx, keysScript, ...args], { stdio: "inherit", env });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
