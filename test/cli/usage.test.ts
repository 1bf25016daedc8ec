/**
 * Command-line mistakes, in process (cli/run.ts with a recorded io): each is
 * caught before any call, exit code 2, with what was wrong and a hint.
 */
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../cli/command.js";
import { runCli } from "../../cli/run.js";

/** Runs the CLI in this process against a server that must never be called. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    readStdin: async () => "",
    stdoutIsTty: false,
    stderrIsTty: false,
    env: { SWITCHYARD_SERVER: "http://127.0.0.1:1", SWITCHYARD_TOKEN: "unused" },
    signal: new AbortController().signal,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe("a command-line mistake", () => {
  it.each([
    [["targets", "frobnicate"], /unknown command "targets frobnicate": expected list, get, create, update, delete/],
    [["widgets", "list"], /unknown group "widgets": expected targets, executions, jobs, batches, events, deliveries, keys/],
    [["targets", "get"], /missing target id/],
    [["--colour", "targets", "list"], /unknown global option --colour/],
    [["jobs", "run", "f", "--input", "{nope"], /--input is not valid JSON/],
    [["jobs", "run", "f", "--input", "[1]"], /--input must be a JSON object/],
    [["jobs", "run", "f", "--input", "@/no/such/file.json"], /--input @\/no\/such\/file\.json: no such file/],
    [["jobs", "list", "--status", "sleeping"], /--status sleeping: expected one of accepted, running, succeeded, partially-failed, failed, cancelled/],
    [["jobs", "list", "--limit", "ten"], /--limit must be a non-negative integer/],
    [["targets", "create", "--name", "n", "--timeout", "soon"], /--timeout must be a duration like 500ms, 5s, 2m or 1h/],
    [["targets", "create", "--name", "n", "--interrupt-on-error"], /--interrupt-on-error needs --type webhook or --type call/],
    [["executions", "get", "whenever:x"], /condition "whenever:x": expected function:<name>/],
    [["batches", "run", "f", "--input", "{}"], /with a function, --input must be a JSON array/],
    [["deliveries", "redeliver", "--dead"], /redeliver --dead needs --target <id>/],
    [["events", "push", "order.placed"], /events push needs --aggregate-type and --aggregate-id/],
    [["--output", "yaml", "targets", "list"], /--output yaml: expected json or table/],
    [["--protocol", "soap", "targets", "list"], /--protocol soap: expected connect, grpc, grpc-web/],
  ])("%j", async (argv, message) => {
    const result = await run(...argv);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("(see switchyard --help)");
  });

  it("prints the group's commands to stderr when the command is missing", async () => {
    const result = await run("jobs");

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("usage: switchyard jobs <command>");
    expect(result.stderr).toMatch(/^ {2}result +print a succeeded job's result$/m);
  });
});
