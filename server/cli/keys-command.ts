/**
 * The commands of `npm run keys` (see keys.ts), over any store:
 *
 *   create --owner <owner> --scopes <a,b> --name <name> [--expires <ISO time>]
 *          prints the new key once on stdout (details on stderr)
 *   list [--owner <owner>]
 *   revoke <key id>
 *
 * A running server sees new and revoked keys at once: it looks keys up in the
 * database on every request.
 */
import { parseArgs } from "node:util";
import { apiKeyIdOf, generateApiKey, hashApiKey } from "../auth/api-key-tokens.js";
import { isResourceOwner, parseScopes } from "../auth/configured-keys.js";
import type { ApiKey } from "../domain/api-key.js";
import type { Store } from "../store/store.js";

const usage = `usage:
  npm run keys -- create --owner <owner> --scopes <scope,scope> --name <name> [--expires <ISO 8601 time>]
  npm run keys -- list [--owner <owner>]
  npm run keys -- revoke <key id>`;

/** Runs one command against `store`; answers the process exit code. */
export async function runKeysCommand(
  args: readonly string[],
  store: Pick<Store, "addApiKey" | "listApiKeys" | "revokeApiKey">,
  out: { stdout: (line: string) => void; stderr: (line: string) => void },
  now: Date = new Date(),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { owner: { type: "string" }, scopes: { type: "string" }, name: { type: "string" }, expires: { type: "string" } },
  });
  const [command, ...rest] = positionals;
  switch (command) {
    case "create": {
      const { owner, scopes, name, expires } = values;
      if (!owner || !isResourceOwner(owner)) throw new Error("--owner is required (1..200 printable characters)");
      if (!name?.trim()) throw new Error("--name is required");
      const expiresAt = expires === undefined ? undefined : new Date(expires);
      if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt <= now)) throw new Error("--expires must be an ISO 8601 time in the future");
      const key = generateApiKey();
      const keyHash = hashApiKey(key);
      const record: ApiKey = {
        id: apiKeyIdOf(keyHash),
        keyHash,
        name,
        resourceOwner: owner,
        scopes: parseScopes(scopes ?? ""),
        createdAt: now,
        ...(expiresAt ? { expiresAt } : {}),
      };
      await store.addApiKey(record);
      out.stderr(`created API key ${record.id} "${name}" for owner ${owner} with scopes ${record.scopes.join(",")}`);
      out.stderr("the key follows; it is shown only this once:");
      out.stdout(key);
      return 0;
    }
    case "list": {
      const keys = await store.listApiKeys(values.owner);
      out.stdout(["id", "owner", "name", "scopes", "created", "expires", "revoked"].join("\t"));
      for (const key of keys) {
        out.stdout(
          [key.id, key.resourceOwner, key.name, key.scopes.join(","), key.createdAt.toISOString(), key.expiresAt?.toISOString() ?? "-", key.revokedAt?.toISOString() ?? "-"].join("\t"),
        );
      }
      return 0;
    }
    case "revoke": {
      const [id] = rest;
      if (!id) throw new Error("revoke needs a key id (see `npm run keys -- list`)");
      if (!(await store.revokeApiKey(id, now))) {
        out.stderr(`no API key ${id}`);
        return 1;
      }
      out.stderr(`revoked ${id}`);
      return 0;
    }
    default:
      out.stderr(usage);
      return 2;
  }
}
