/**
 * `npm run keys` (server/cli/keys.ts) in its own process against the database
 * a running server uses: a created key works at once, is printed once and
 * stored only as its hash; a revoked key stops working at once.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../server/auth/api-key-tokens.js";
import { runKeysCommand } from "../../server/cli/keys-command.js";
import { bearer, postJson } from "../support/clients.js";
import { type RunningServer, startServer } from "../support/start-server.js";

let directory: string;
let server: RunningServer | undefined;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "switchyard-keys-"));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(directory, { recursive: true, force: true });
});

function keys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "server/cli/keys.ts", ...args],
      { env: { ...process.env, SWITCHYARD_DATABASE: join(directory, "switchyard.db"), SWITCHYARD_CONFIG: "" }, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run keys", () => {
  it("creates a key that a running server accepts at once, lists it, and revokes it for good", async () => {
    // given: a server on the database
    server = await startServer({ databasePath: join(directory, "switchyard.db") });

    // when
    const created = await keys("create", "--owner", "acme", "--scopes", "targets:read,targets:write", "--name", "ci deploys");

    // then: stdout is the key alone; the server takes it for owner acme
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^sy_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/created API key key_[0-9a-f]{16} "ci deploys" for owner acme/);
    const target = await postJson(server.baseUrl, "TargetService/CreateTarget", {
      name: "t",
      endpoint: "https://example.com/hook",
      timeout: "5s",
      restAsync: {},
    }, bearer(key));
    expect(target.status, target.text).toBe(200);
    expect(target.body.details.resourceOwner).toBe("acme");
    const lacking = await postJson(server.baseUrl, "EventService/ListEvents", {}, bearer(key));
    expect(lacking.status).toBe(401);

    // and: the database holds its hash, never the key
    const database = readFileSync(join(directory, "switchyard.db"));
    const wal = readFileSync(join(directory, "switchyard.db-wal"));
    expect(Buffer.concat([database, wal]).includes(key)).toBe(false);
    expect(Buffer.concat([database, wal]).includes(hashApiKey(key))).toBe(true);

    // when: listed and revoked
    const listed = await keys("list", "--owner", "acme");
    const id = /key_[0-9a-f]{16}/.exec(created.stderr)![0];
    const revoked = await keys("revoke", id);
    const unknown = await keys("revoke", "key_0000000000000000");

    // then
    expect(listed.stdout.split("\n")[1]).toMatch(new RegExp(`^${id}\tacme\tci deploys\ttargets:read,targets:write\t\\S+Z\t-\t-$`));
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(unknown.code).toBe(1);
    const after = await postJson(server.baseUrl, "TargetService/ListTargets", {}, bearer(key));
    expect(after.status).toBe(401);
    expect(after.body.message).toMatch(/revoked/);
  });
});

describe("the keys command", () => {
  const store = { addApiKey: async () => {}, listApiKeys: async () => [], revokeApiKey: async () => false };
  const run = (...args: string[]) => runKeysCommand(args, store, { stdout: () => {}, stderr: () => {} });

  it("refuses unknown scopes, a missing owner or name, and an expiry in the past", async () => {
    await expect(run("create", "--owner", "a", "--scopes", "targets:delete", "--name", "n")).rejects.toThrow(/unknown scope "targets:delete"/);
    await expect(run("create", "--scopes", "admin", "--name", "n")).rejects.toThrow(/--owner is required/);
    await expect(run("create", "--owner", "a", "--scopes", "admin")).rejects.toThrow(/--name is required/);
    await expect(run("create", "--owner", "a", "--scopes", "admin", "--name", "n", "--expires", "2001-01-01T00:00:00Z")).rejects.toThrow(/in the future/);
  });

  it("prints its usage for an unknown command", async () => {
    const lines: string[] = [];

    const code = await runKeysCommand(["rotate"], store, { stdout: () => {}, stderr: (line) => lines.push(line) });

    expect(code).toBe(2);
    expect(lines.join("\n")).toMatch(/usage:/);
  });
});
