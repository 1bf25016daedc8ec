/**
 * Serves the admin page (the Vite build in `web/dist`) on the API's port:
 * its files by exact path, and `index.html` for every other page path, so
 * `/jobs/<id>` can be reloaded and bookmarked. RPC paths (`/pkg.Service/Method`)
 * and every non-GET request go to the API handler untouched.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { NodeHandler } from "./http-routes.js";

/** Where `npm run build:web` (and `npm install`) puts the built page. */
export const defaultWebRoot: string = fileURLToPath(new URL("../../web/dist", import.meta.url));

/** Options of {@link withAdminPage}. */
export interface AdminPageOptions {
  /** The directory holding `index.html` and `assets/`; default {@link defaultWebRoot}. */
  readonly root?: string;
}

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** The page only ever talks to its own origin; nothing inline, nothing framed. */
const pageHeaders = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

type Request = Parameters<NodeHandler>[0];
type Response = Parameters<NodeHandler>[1];

/**
 * Wraps `handler` with the admin page. GET and HEAD of a built file serve it;
 * of any other path whose first segment has no dot (`/`, `/jobs/job.1`) serve
 * `index.html`. A missing file under `/assets/` is 404, never the HTML; RPC
 * paths, unknown dotted paths and every other method go to `handler`. When
 * the page was not built, the page paths say how to build it.
 */
export function withAdminPage(handler: NodeHandler, options: AdminPageOptions = {}): NodeHandler {
  const root = resolve(options.root ?? defaultWebRoot);
  return (request, response) => {
    const path = pagePathOf(request);
    if (path === undefined) {
      handler(request, response);
      return;
    }
    const file = path === "/" ? undefined : fileUnder(root, path);
    if (file !== undefined) {
      sendFile(request, response, file, path.startsWith("/assets/"));
      return;
    }
    const firstSegment = path.slice(1).split("/", 1)[0] ?? "";
    if (firstSegment === "assets") {
      sendText(response, 404, "not found\n");
      return;
    }
    if (firstSegment.includes(".")) {
      handler(request, response);
      return;
    }
    const index = join(root, "index.html");
    if (!existsSync(index)) {
      sendText(response, 503, "The admin page is not built: run `npm run build:web` (npm install does it when vite is installed).\n");
      return;
    }
    sendFile(request, response, index, false);
  };
}

/** The decoded path of a GET or HEAD that may be the page's, else undefined. */
function pagePathOf(request: Request): string | undefined {
  if (request.method !== "GET" && request.method !== "HEAD") return undefined;
  const raw = (request.url ?? "/").split("?", 1)[0] ?? "/";
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!path.startsWith("/") || path.includes("\0") || path.includes("\\")) return undefined;
  // Service paths (`/switchyard.v1.TargetService/GetTarget`, `/.well-known/…`) are never the page's.
  const firstSegment = path.slice(1).split("/", 1)[0] ?? "";
  if (firstSegment.includes(".") && path.indexOf("/", 1) !== -1) return undefined;
  return path;
}

/** The regular file at `path` inside `root`, refusing anything that would leave it. */
function fileUnder(root: string, path: string): string | undefined {
  if (path.split("/").some((segment) => segment === ".." || segment === ".")) return undefined;
  const file = resolve(root, `.${path}`);
  if (!file.startsWith(root + sep)) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/** The precompressed sibling (`.br`, `.gz`) of `file` that the client accepts, if the build wrote one. */
function compressedVariant(request: Request, file: string): { file: string; encoding: string } | undefined {
  const accepted = new Set(
    String(request.headers["accept-encoding"] ?? "")
      .split(",")
      .map((part) => part.split(";", 1)[0]!.trim().toLowerCase()),
  );
  for (const [encoding, suffix] of [["br", ".br"], ["gzip", ".gz"]] as const) {
    if (accepted.has(encoding) && existsSync(file + suffix)) return { file: file + suffix, encoding };
  }
  return undefined;
}

function sendFile(request: Request, response: Response, file: string, immutable: boolean): void {
  const variant = immutable ? compressedVariant(request, file) : undefined;
  const body = variant?.file ?? file;
  const stats = statSync(body);
  const etag = `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}${variant ? `-${variant.encoding}` : ""}"`;
  const type = contentTypes[extname(file)] ?? "application/octet-stream";
  const headers: Record<string, string> = {
    "content-type": type,
    "x-content-type-options": "nosniff",
    // Hashed asset names change with their content; index.html must be checked every time.
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    etag,
    ...(immutable ? { vary: "accept-encoding" } : {}),
    ...(variant ? { "content-encoding": variant.encoding } : {}),
    ...(type.startsWith("text/html") ? pageHeaders : {}),
  };
  if (request.headers["if-none-match"] === etag) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, "content-length": String(stats.size) });
  if (request.method === "HEAD") {
    response.end();
    return;
  }
  const stream = createReadStream(body);
  stream.on("error", () => response.destroy());
  stream.pipe(response as NodeJS.WritableStream);
}

function sendText(response: Response, status: number, text: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", "cache-control": "no-cache" });
  response.end(text);
}
