/**
 * The real entry point (`server/main.ts`, what `npm start` runs) in its own
 * process: configuration from the environment, JSON logs, graceful SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventService } from "../../gen/switchyard/v1/event_pb.js";
import { TargetService } from "../../gen/switchyard/v1/target_pb.js";
import { devApiKey, devApiKeyId, hashApiKey } from "../../server/auth/api-key-tokens.js";
import { bearer, bearerInterceptor, postJson } from "../support/clients.js";

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "switchyard-main-"));
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

function startMain(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: { ...process.env, SWITCHYARD_PORT: "0", SWITCHYARD_DATABASE: join(directory, "db", "switchyard.db"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (entry.msg === "listening") resolve({ child, url: String(entry.url), lines, exited });
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

describe("npm start (server/main.ts)", () => {
  it("serves on the configured address and database, and logs JSON with a request id per RPC", async () => {
    const server = await startMain({});
    try {
      const targets = createClient(TargetService, createGrpcTransport({ baseUrl: server.url, interceptors: [bearerInterceptor()] }));
      const created = await targets.createTarget({
        name: "audit",
        endpoint: "http://127.0.0.1:9000/hook",
        timeout: { seconds: 5n },
        targetType: { case: "restWebhook", value: { interruptOnError: true } },
      });

      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(created.signingKey).toMatch(/^whsec_/);
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      const rpc = server.lines.find((line) => line.msg === "rpc");
      expect(rpc).toMatchObject({ procedure: "switchyard.v1.TargetService/CreateTarget", code: "ok" });
      expect(rpc?.requestId).toEqual(expect.any(String));
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("on SIGTERM ends open streams cleanly, exits 0 and keeps every acknowledged write", async () => {
    // given: a live WatchEvents stream and one acknowledged write
    const first = await startMain({ SWITCHYARD_SHUTDOWN_GRACE_MS: "5000" });
    const transport = createGrpcTransport({ baseUrl: first.url, interceptors: [bearerInterceptor()] });
    const events = createClient(EventService, transport);
    const seen: string[] = [];
    const watching = (async () => {
      for await (const { event } of events.watchEvents({ fromPosition: 1n })) seen.push(event!.type);
    })();
    await createClient(TargetService, transport).createTarget({
      name: "kept",
      endpoint: "https://example.com/hook",
      timeout: { seconds: 1n },
      targetType: { case: "restAsync", value: {} },
    });
    await expect.poll(() => seen).toEqual(["target.added"]);

    // when
    const started = Date.now();
    first.child.kill("SIGTERM");

    // then: the stream completes without error, well before the grace period, and the process exits 0
    await expect(watching).resolves.toBeUndefined();
    expect(await first.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(first.lines.map((line) => line.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));

    // and the data is there after a restart on the same file
    const second = await startMain({});
    try {
      const listed = await createClient(TargetService, createGrpcTransport({ baseUrl: second.url, interceptors: [bearerInterceptor()] })).listTargets({});
      expect(listed.targets.map((target) => target.name)).toEqual(["kept"]);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  });

  it("refuses to start with a bad configuration and says why", async () => {
    const { code, stderr } = await failedStart({ SWITCHYARD_PORT: "eighty" });

    expect(code).toBe(1);
    expect(stderr).toContain('SWITCHYARD_PORT must be a number, not "eighty"');
  });
});

describe("modes", () => {
  it("development logs the documented development key, which is admin for owner default", async () => {
    const server = await startMain({});
    try {
      const targets = createClient(TargetService, createGrpcTransport({ baseUrl: server.url, interceptors: [bearerInterceptor()] }));
      await targets.listTargets({});
      server.child.kill("SIGTERM");
      await server.exited;

      expect(server.lines.find((line) => line.apiKey === devApiKey)).toMatchObject({ owner: "default", scopes: ["admin"], level: 40 });
      expect(server.lines.find((line) => line.msg === "rpc")).toMatchObject({ owner: "default", subject: devApiKeyId, code: "ok" });
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("production refuses to start without a master key, and without a way to authenticate, naming what is missing", async () => {
    const withoutMasterKey = await failedStart({ SWITCHYARD_ENV: "production" });
    const withoutAuth = await failedStart({ SWITCHYARD_ENV: "production", SWITCHYARD_MASTER_KEY: masterKey() });

    expect(withoutMasterKey.code).toBe(1);
    expect(withoutMasterKey.stderr).toMatch(/SWITCHYARD_MASTER_KEY/);
    expect(withoutAuth.code).toBe(1);
    expect(withoutAuth.stderr).toMatch(/without a way to authenticate callers/);
    expect(withoutAuth.stderr).toMatch(/npm run keys -- create/);
  });

  it("production starts with a configured key, accepts it, and refuses the development key", async () => {
    // given: a config file with one key, stored as its hash
    const key = "sy_production_test_key_0123456789";
    const configFile = join(directory, "switchyard.json");
    writeFileSync(configFile, JSON.stringify({ apiKeys: [{ keyHash: hashApiKey(key), owner: "acme", scopes: ["targets:read"], name: "ops" }] }));
    const server = await startMain({ SWITCHYARD_ENV: "production", SWITCHYARD_MASTER_KEY: masterKey(), SWITCHYARD_CONFIG: configFile });
    try {
      // when
      const withKey = await postJson(server.url, "TargetService/ListTargets", {}, bearer(key));
      const withDevKey = await postJson(server.url, "TargetService/ListTargets", {});

      // then
      expect(withKey.status, withKey.text).toBe(200);
      expect(withDevKey.status).toBe(401);
      expect(withDevKey.body.details[0].debug).toMatchObject({ reason: "invalid_token" });
      expect(server.lines.some((line) => line.apiKey !== undefined)).toBe(false);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });

  it("refuses a second server on the same database, and starts again once the first has gone, even by kill -9", async () => {
    // given: a server running on the database
    const first = await startMain({});
    let third: Started | undefined;
    try {
      // when: a second one starts on it
      const second = await failedStart({});

      // then: it exits before touching the database, saying why
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`the database ${join(directory, "db", "switchyard.db")} is in use by another Switchyard server`);
      expect(second.stderr).toContain("switchyard.db.lock");
      const targets = await postJson(first.url, "TargetService/ListTargets", {});
      expect(targets.status, targets.text).toBe(200);

      // and when the first dies without a word, the lock goes with it
      first.child.kill("SIGKILL");
      await first.exited;
      third = await startMain({});
      expect((await postJson(third.url, "TargetService/ListTargets", {})).status).toBe(200);
    } finally {
      first.child.kill("SIGKILL");
      third?.child.kill("SIGTERM");
      if (third) expect(await third.exited).toBe(0);
    }
  });
});

/** Runs server/main.ts expecting it to exit before listening; answers its exit code and stderr. */
async function failedStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: { ...process.env, SWITCHYARD_PORT: "0", SWITCHYARD_DATABASE: join(directory, "db", "switchyard.db"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stderr };
}

function masterKey(): string {
  return randomBytes(32).toString("base64");
}
