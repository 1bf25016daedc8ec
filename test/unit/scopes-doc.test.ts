/** docs/security.md shows the scopes the descriptors declare (regenerate with `npm run scopes-table -- --write`). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { apiServices } from "../../server/app.js";
import { renderScopesTable, securityPage, withScopesTable } from "../../server/cli/scopes-table.js";

describe("the scopes table in docs/security.md", () => {
  it("matches the descriptors", () => {
    const page = readFileSync(securityPage, "utf8");

    expect(page, "run `npm run scopes-table -- --write`").toBe(withScopesTable(page, renderScopesTable(apiServices)));
  });

  it("has a row for every RPC", () => {
    const rows = renderScopesTable(apiServices).split("\n").slice(2);

    expect(rows).toHaveLength(apiServices.reduce((count, service) => count + service.methods.length, 0));
    expect(rows[0]).toBe("| `TargetService` | `CreateTarget` | `targets:write` |");
  });
});
