/**
 * The admin page's static files on the API's port: content types, cache
 * headers, the SPA fallback for page paths only, no way out of the web root,
 * and the API untouched beside it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../support/start-server.js";

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request with its path sent byte for byte (fetch would normalize `..`). */
function raw(server: RunningServer, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port: server.port, path, method: options.method ?? "GET", headers: options.headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

describe("admin page serving", () => {
  let directory: string;
  let server: RunningServer;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), "switchyard-web-root-"));
    const root = join(directory, "dist");
    mkdirSync(join(root, "assets"), { recursive: true });
    writeFileSync(join(root, "index.html"), "<!doctype html><title>admin</title>");
    writeFileSync(join(root, "assets", "index-abc123.js"), "console.log('page')");
    writeFileSync(join(root, "assets", "index-abc123.js.br"), "brotli bytes");
    writeFileSync(join(root, "assets", "index-abc123.js.gz"), "gzip bytes");
    writeFileSync(join(root, "assets", "index-abc123.css"), "body{}");
    writeFileSync(join(root, "favicon.svg"), "<svg/>");
    writeFileSync(join(directory, "secret.txt"), "do not serve");
    server = await startServer({ webRoot: root });
  });
  afterEach(async () => {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("serves index.html at / with a strict CSP and no-cache", async () => {
    const answer = await raw(server, "/");
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("<title>admin</title>");
    expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(answer.headers["cache-control"]).toBe("no-cache");
    expect(answer.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(answer.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("serves hashed assets with their type, cached for a year, and answers 304 to a matching ETag", async () => {
    const script = await raw(server, "/assets/index-abc123.js");
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const style = await raw(server, "/assets/index-abc123.css");
    expect(style.headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await raw(server, "/favicon.svg")).headers["content-type"]).toBe("image/svg+xml");
    const again = await raw(server, "/assets/index-abc123.js", { headers: { "if-none-match": String(script.headers.etag) } });
    expect(again.status).toBe(304);
    const head = await raw(server, "/assets/index-abc123.js", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("sends the precompressed variant the client accepts", async () => {
    const brotli = await raw(server, "/assets/index-abc123.js", { headers: { "accept-encoding": "gzip, deflate, br" } });
    expect([brotli.headers["content-encoding"], brotli.body, brotli.headers.vary]).toEqual(["br", "brotli bytes", "accept-encoding"]);
    expect(brotli.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    const gzip = await raw(server, "/assets/index-abc123.js", { headers: { "accept-encoding": "gzip;q=1.0" } });
    expect([gzip.headers["content-encoding"], gzip.body]).toEqual(["gzip", "gzip bytes"]);
    const plain = await raw(server, "/assets/index-abc123.js");
    expect([plain.headers["content-encoding"], plain.body]).toEqual([undefined, "console.log('page')"]);
    expect(new Set([brotli.headers.etag, gzip.headers.etag, plain.headers.etag]).size).toBe(3);
  });

  it("answers page paths with index.html, but never missing assets or dotted paths", async () => {
    for (const path of ["/targets", "/jobs/job.2024-01:a", "/deliveries/msg_1?x=1", "/executions/edit?condition=%7B%7D"]) {
      const answer = await raw(server, path);
      expect([path, answer.status, answer.body]).toEqual([path, 200, "<!doctype html><title>admin</title>"]);
    }
    expect((await raw(server, "/assets/missing.js")).status).toBe(404);
    expect((await raw(server, "/robots.txt")).body).not.toContain("<title>admin</title>");
    expect((await raw(server, "/targets", { method: "POST" })).body).not.toContain("<title>admin</title>");
  });

  it("never serves a file outside the web root", async () => {
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/..%5csecret.txt", "/%2e%2e%2fsecret.txt", "/secret.txt%00.js"]) {
      const answer = await raw(server, path);
      expect([path, answer.body]).not.toEqual([path, "do not serve"]);
      expect(answer.body).not.toContain("do not serve");
    }
  });

  it("leaves the API beside it alone: Connect GET, the JWKS and unknown RPC paths", async () => {
    const message = encodeURIComponent("{}");
    const list = await raw(server, `/switchyard.v1.TargetService/ListTargets?encoding=json&message=${message}`, { headers: { authorization: "Bearer sy_dev_switchyard" } });
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toEqual({ pagination: { appliedLimit: 100 } });
    const jwks = await raw(server, "/.well-known/jwks.json");
    expect(jwks.headers["content-type"]).toBe("application/jwk-set+json");
    const unknown = await raw(server, "/switchyard.v1.NoSuchService/Nothing");
    expect(unknown.body).not.toContain("<title>admin</title>");
  });

  it("says how to build the page when it was not built", async () => {
    await server.close();
    server = await startServer({ webRoot: join(directory, "not-built") });
    const answer = await raw(server, "/jobs");
    expect(answer.status).toBe(503);
    expect(answer.body).toContain("npm run build:web");
  });
});
