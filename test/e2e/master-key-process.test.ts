/**
 * The master key through the real entry points: `npm start` (server/main.ts)
 * refuses a wrong SWITCHYARD_MASTER_KEY_FILE with a message naming the
 * problem, and `npm run master-key -- rotate` (server/cli/master-key.ts)
 * re-seals the database for the new key.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { uniqueName } from "../support/api-fixtures.js";
import { randomMasterKey, writeMasterKeyFile } from "../support/master-keys.js";
import { callOk, spawnServer } from "../support/spawned-server.js";

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "switchyard-master-key-process-"));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Runs a TypeScript entry point to its end; answers its exit code and output. */
function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    env: { ...process.env, SWITCHYARD_PORT: "0", SWITCHYARD_DATABASE: join(directory, "switchyard.db"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, ...output })));
}

describe("master key (real processes)", () => {
  it("npm start refuses a wrong key naming both key ids; rotate re-seals; then the new key starts it", async () => {
    // given: a database sealed with the old key
    const [old, next] = [randomMasterKey(), randomMasterKey()];
    const oldFile = writeMasterKeyFile(join(directory, "old.key"), old);
    const newFile = writeMasterKeyFile(join(directory, "new.key"), next);
    const first = await spawnServer(directory, { SWITCHYARD_MASTER_KEY_FILE: oldFile });
    const target = await callOk(first.url, "TargetService/CreateTarget", {
      name: uniqueName("t"),
      endpoint: "http://127.0.0.1:9/hook",
      timeout: "5s",
      restAsync: {},
    });
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    // when: started with the new key before rotating
    const refused = await run("server/main.ts", [], { SWITCHYARD_MASTER_KEY_FILE: newFile });

    // then
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `wrong master key: this database's secrets are sealed with master key ${old.id}, but the configured master key is ${next.id}`,
    );

    // when: rotated
    const rotated = await run("server/cli/master-key.ts", ["rotate", "--new-key-file", newFile], { SWITCHYARD_MASTER_KEY_FILE: oldFile });

    // then
    expect(rotated, rotated.stderr).toMatchObject({ code: 0 });
    expect(rotated.stdout).toContain(`re-sealed every secret in ${join(directory, "switchyard.db")} with master key ${next.id} (was ${old.id})`);
    const second = await spawnServer(directory, { SWITCHYARD_MASTER_KEY_FILE: newFile });
    try {
      expect((await callOk(second.url, "TargetService/GetTarget", { id: target.id })).target.id).toBe(target.id);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  });
});
