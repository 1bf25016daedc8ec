/**
 * `switchyard targets …`: the real binary against a real server.
 */
import { describe, expect, it } from "vitest";
import { ok, useCliServer } from "../support/run-cli.js";

const { server, cli, startSink } = useCliServer();

describe("switchyard targets", () => {
  it("creates a target from options, shows its signing key once, then gets, lists, updates and deletes it", async () => {
    const created = ok(await cli("targets", "create", "--name", "audit", "--endpoint", "http://127.0.0.1:9/hook", "--type", "call", "--interrupt-on-error", "--timeout", "2.5s"));
    const { id, signingKey } = created.json();
    expect(signingKey).toMatch(/^whsec_/);
    expect(created.stderr).toContain("shown only this once");

    const fetched = ok(await cli("targets", "get", id)).json();
    expect(fetched.target).toMatchObject({ id, name: "audit", timeout: "2.500s", restCall: { interruptOnError: true } });
    expect(JSON.stringify(fetched)).not.toContain(signingKey);

    const rotated = ok(await cli("targets", "update", id, "--name", "audit-2", "--state", "disabled", "--rotate-key", "--expected-sequence", "1")).json();
    expect(rotated.signingKey).toMatch(/^whsec_/);
    expect(rotated.signingKey).not.toBe(signingKey);

    const table = ok(await cli("targets", "list", "--name", "AUDIT", "-o", "table"));
    expect(table.stdout).toMatch(new RegExp(`^ID +NAME +TYPE +TIMEOUT +STATE +ENDPOINT\\n${id} +audit-2 +call \\(interrupt on error\\) +2\\.5s +disabled +http://127\\.0\\.0\\.1:9/hook\\n$`));

    const deleted = ok(await cli("targets", "delete", id, "-o", "table"));
    const again = ok(await cli("targets", "delete", id)).json();
    expect(deleted.stdout).toBe(`deleted ${id}\n`);
    expect(again.details).toBeDefined();
  });

  it("creates a target from --input JSON, options overriding its fields", async () => {
    const input = JSON.stringify({ name: "from-json", endpoint: "http://127.0.0.1:9/a", timeout: "3s", restAsync: {} });

    const { id } = ok(await cli("targets", "create", "--input", input, "--endpoint", "http://127.0.0.1:9/b")).json();

    const { target } = ok(await cli("targets", "get", id)).json();
    expect(target).toMatchObject({ name: "from-json", endpoint: "http://127.0.0.1:9/b", timeout: "3s", restAsync: {} });
  });
});
