/**
 * `switchyard keys …` runs `npm run keys` (server/cli/keys.ts) on the
 * configured database: a key it creates works at once against a server on
 * that database, through the CLI's own --token.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliRun, runCli } from "../support/run-cli.js";
import { type RunningServer, startServer } from "../support/start-server.js";

let directory: string;
let server: RunningServer | undefined;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "switchyard-cli-keys-"));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(directory, { recursive: true, force: true });
});

function keys(...args: string[]): Promise<CliRun> {
  return runCli(["keys", ...args], { env: { SWITCHYARD_DATABASE: join(directory, "switchyard.db"), SWITCHYARD_CONFIG: "" }, token: null });
}

describe("switchyard keys", () => {
  it("creates a key the server accepts with its scopes, lists it and revokes it", async () => {
    server = await startServer({ databasePath: join(directory, "switchyard.db") });

    const created = await keys("create", "--owner", "acme", "--scopes", "targets:read", "--name", "ci");

    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^sy_[A-Za-z0-9_-]{43}$/);
    const allowed = await runCli(["--token", key, "targets", "list"], { server: server.baseUrl, token: null });
    const lacking = await runCli(["--token", key, "events", "list"], { server: server.baseUrl, token: null });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.json().targets ?? []).toEqual([]);
    expect(lacking.code).toBe(1);
    expect(lacking.stderr).toContain("(scope_missing)");

    const id = /key_[0-9a-f]{16}/.exec(created.stderr)![0];
    const listed = await keys("list", "--owner", "acme");
    const revoked = await keys("revoke", id);
    expect(listed.stdout).toContain(`${id}\tacme\tci\ttargets:read`);
    expect(revoked.code, revoked.stderr).toBe(0);
    const refused = await runCli(["--token", key, "targets", "list"], { server: server.baseUrl, token: null });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("(invalid_token)");
  });

  it("passes the keys command's own exit code and usage through", async () => {
    const unknown = await keys("revoke", "key_0000000000000000");
    const help = await keys("--help");

    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no API key key_0000000000000000");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("switchyard keys create --owner <owner>");
  });
});
