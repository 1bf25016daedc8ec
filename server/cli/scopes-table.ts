/**
 * `npm run scopes-table`: prints the table of required scopes, read from the
 * descriptors (`option (switchyard.v1.required_scope)` in the .proto files);
 * `npm run scopes-table -- --write` puts it into docs/security.md between its
 * markers. A test fails when the page and the descriptors disagree.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DescService } from "@bufbuild/protobuf";
import { requiredScopesOf } from "../auth/scope-table.js";

/** The markers around the generated table in docs/security.md. */
export const scopesTableMarkers = { begin: "<!-- scopes-table:begin -->", end: "<!-- scopes-table:end -->" } as const;

/** The Markdown table: one row per RPC, in declaration order. */
export function renderScopesTable(services: readonly DescService[]): string {
  const rows = requiredScopesOf(services).map(({ procedure, scope }) => {
    const [service, method] = procedure.split("/") as [string, string];
    return `| \`${service.replace(/^switchyard\.v1\./, "")}\` | \`${method}\` | \`${scope}\` |`;
  });
  return ["| service | method | scope |", "|---|---|---|", ...rows].join("\n");
}

/** `text` with the part between the markers replaced by `table`; throws when the markers are missing. */
export function withScopesTable(text: string, table: string): string {
  const begin = text.indexOf(scopesTableMarkers.begin);
  const end = text.indexOf(scopesTableMarkers.end);
  if (begin === -1 || end < begin) throw new Error(`missing ${scopesTableMarkers.begin} … ${scopesTableMarkers.end}`);
  return `${text.slice(0, begin + scopesTableMarkers.begin.length)}\n${table}\n${text.slice(end)}`;
}

/** docs/security.md */
export const securityPage = fileURLToPath(new URL("../../docs/security.md", import.meta.url));

async function main(): Promise<void> {
  // The app module wires the services; imported here only, so tests of the renderer stay light.
  const { apiServices } = await import("../app.js");
  const table = renderScopesTable(apiServices);
  if (!process.argv.includes("--write")) {
    process.stdout.write(`${table}\n`);
    return;
  }
  writeFileSync(securityPage, withScopesTable(readFileSync(securityPage, "utf8"), table));
  process.stderr.write(`updated ${securityPage}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
