/**
 * The real entry point (`server/main.ts`, what `npm start` runs) in its own
 * process, for tests that crash it (SIGKILL) and start it again on the same file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { expect } from "vitest";
import { postJson } from "./clients.js";

export interface SpawnedServer {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly exited: Promise<number | null>;
}

/** Starts server/main.ts on `directory`/switchyard.db (port 0) with `env` added; resolves once it listens. */
export function spawnServer(directory: string, env: Record<string, string>): Promise<SpawnedServer> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: { ...process.env, SWITCHYARD_PORT: "0", SWITCHYARD_DATABASE: join(directory, "switchyard.db"), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === "listening") resolve({ child, url: String(entry.url), exited });
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

/** A Connect JSON call that must succeed; answers the body. */
export async function callOk(baseUrl: string, method: string, body: unknown): Promise<Record<string, any>> {
  const reply = await postJson(baseUrl, method, body);
  expect(reply.status, reply.text).toBe(200);
  return reply.body as Record<string, any>;
}

/** Waits until `condition` holds, checking every 50 ms; fails naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
