/**
 * `switchyard executions …`: the real binary against a real server (targets
 * are created over Connect JSON; the CLI is what is under test).
 */
import { describe, expect, it } from "vitest";
import { createTarget } from "../support/api-fixtures.js";
import { ok, useCliServer } from "../support/run-cli.js";

const { server, cli, startSink } = useCliServer();

describe("switchyard executions", () => {
  it("sets a function with a target and an include in order, gets, lists and deletes them", async () => {
    const first = await createTarget(server.baseUrl, "first");
    const second = await createTarget(server.baseUrl, "second");
    ok(await cli("executions", "set", "function:inner", second.id));

    ok(await cli("executions", "set", "function:outer", first.id, "include:function:inner"));

    const { execution } = ok(await cli("executions", "get", "function:outer")).json();
    expect(execution.targets).toEqual([{ target: first.id }, { include: { function: { name: "inner" } } }]);
    expect(execution.resolvedTargetIds).toEqual([first.id, second.id]);
    const table = ok(await cli("executions", "list", "--type", "function", "--include", "function:inner", "-o", "table"));
    expect(table.stdout).toMatch(new RegExp(`^CONDITION +TARGETS +RESOLVED\\nfunction:outer +${first.id} include:function:inner +${first.id} ${second.id}\\n$`));
    const refused = await cli("executions", "delete", "function:inner");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("(execution_included)");
    ok(await cli("executions", "delete", "function:outer"));
    const functions = ok(await cli("executions", "functions")).json();
    expect(functions.functions).toEqual(["inner"]);
  });

  it("takes request, response and event conditions in their short forms", async () => {
    const hook = await createTarget(server.baseUrl, "hook", { restWebhook: { interruptOnError: false } });

    ok(await cli("executions", "set", "request:/switchyard.v1.JobService/ExecuteJob", hook.id));
    ok(await cli("executions", "set", "response:switchyard.v1.EventService", hook.id));
    ok(await cli("executions", "set", "event:order.*", hook.id));
    ok(await cli("executions", "set", "event:*", hook.id));

    const listed = ok(await cli("executions", "list", "--target", hook.id, "--asc", "-o", "table"));
    const conditions = listed.stdout.trim().split("\n").slice(1).map((line) => line.split(/ +/)[0]);
    expect(conditions).toEqual(["request:/switchyard.v1.JobService/ExecuteJob", "response:switchyard.v1.EventService", "event:order.*", "event:*"]);
  });

  it("fails on an include cycle with the server's message and reason", async () => {
    const hook = await createTarget(server.baseUrl, "hook", { restWebhook: { interruptOnError: false } });
    ok(await cli("executions", "set", "function:a", hook.id));

    const run = await cli("executions", "set", "function:a", "include:function:a");

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: failed_precondition: include cycle: .* \(include_cycle\)\n/);
  });
});
