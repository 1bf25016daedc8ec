/**
 * client/index.ts is the browser entry point: nothing it imports, however
 * indirectly, may need Node (node:* built-ins, connect-node); gRPC lives in
 * client/node.ts only.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createSwitchyardClient } from "../../client/index.js";

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Every module specifier `file` imports or re-exports, and those of its relative imports, recursively. */
function importGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(file, "utf8");
  for (const [, specifier] of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/g)) {
    if (!specifier!.startsWith(".")) {
      seen.add(specifier!);
      continue;
    }
    importGraph(resolve(dirname(file), specifier!.replace(/\.js$/, ".ts")), seen);
  }
  return seen;
}

describe("client/index.ts", () => {
  it("imports nothing that needs Node", () => {
    const graph = [...importGraph(join(repositoryRoot, "client", "index.ts"))];

    expect(graph.filter((specifier) => specifier.startsWith("node:") || specifier.includes("connect-node"))).toEqual([]);
    expect(graph).toContain("@connectrpc/connect-web");
  });

  it("points to client/node.ts for gRPC", () => {
    expect(() => createSwitchyardClient({ baseUrl: "http://127.0.0.1:8080", protocol: "grpc" })).toThrow(/client\/node\.ts/);
  });
});
