/**
 * `switchyard jobs …`: the real binary against a real server, with a real
 * sink as the function's target (set up over Connect JSON, the CLI is what
 * is under test).
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTarget, functionCondition, setExecution, target } from "../support/api-fixtures.js";
import { ok, runCli, useCliServer } from "../support/run-cli.js";
import type { Sink, SinkResponder } from "../support/sink.js";

const { server, cli, startSink } = useCliServer();
let sink: Sink | undefined;

/** A call target that adds `enriched: true` to its input, and refuses (400) inputs with `fail`. */
const enriching: SinkResponder = (request) => {
  const { input } = JSON.parse(request.body) as { input: Record<string, unknown> };
  return input.fail ? { status: 400, json: { error: "refused" } } : { json: { ...input, enriched: true }, delayMs: 50 };
};

/** Given: function `name` bound to one call target on a sink answering with `responder`. */
async function givenFunction(name: string, responder: SinkResponder = enriching): Promise<void> {
  sink = await startSink(responder);
  const created = await createTarget(server.baseUrl, `${name}-target`, { endpoint: sink.url, restWebhook: undefined, restCall: { interruptOnError: true } });
  await setExecution(server.baseUrl, functionCondition(name), [target(created.id)]);
}

describe("switchyard jobs run", () => {
  it("--wait follows a job to SUCCEEDED, prints it as JSON and exits 0", async () => {
    await givenFunction("enrich");

    const run = ok(await cli("jobs", "run", "enrich", "--input", '{"customer":42}', "--wait"));

    const { job } = run.json();
    expect(job).toMatchObject({ status: "JOB_STATUS_SUCCEEDED", result: { customer: 42, enriched: true }, operation: { function: "enrich" } });
    // not a terminal: one plain progress line per change, on stderr
    expect(run.stderr).toMatch(new RegExp(`job ${job.id}: succeeded, 1/1 done \\(ok 1, failed 0\\)\\n$`));
  });

  it("--wait exits 3 when the job fails, with the job's error in the output", async () => {
    await givenFunction("strict");

    const run = await cli("jobs", "run", "strict", "--input", '{"fail":true}', "--wait", "--max-attempts", "1");

    expect(run.code, run.stderr).toBe(3);
    expect(run.json().job).toMatchObject({ status: "JOB_STATUS_FAILED", error: { code: "http_status" } });
    expect(run.stderr).toContain("failed, 1/1 done (ok 0, failed 1)");
  });

  it("reads the input from a file and from stdin", async () => {
    await givenFunction("enrich");
    const file = join(await mkdtemp(join(tmpdir(), "switchyard-cli-")), "input.json");
    await writeFile(file, '{"from":"file"}');

    const fromFile = ok(await cli("jobs", "run", "enrich", "--input", `@${file}`, "--sync")).json();
    const fromStdin = ok(await runCli(["jobs", "run", "enrich", "--input", "-", "--sync"], { server: server.baseUrl, stdin: '{"from":"stdin"}' })).json();

    expect(fromFile.job.result).toEqual({ from: "file", enriched: true });
    expect(fromStdin.job.result).toEqual({ from: "stdin", enriched: true });
  });
});

describe("switchyard jobs get|list|watch|result", () => {
  it("answers an async job at once; watch follows it to the end, list finds it", async () => {
    await givenFunction("enrich");

    const accepted = ok(await cli("jobs", "run", "enrich", "--input", '{"n":1}', "--job-id", "job-1")).json();
    const watched = ok(await cli("jobs", "watch", "job-1")).json();
    const listed = ok(await cli("jobs", "list", "--status", "succeeded,failed", "--function", "enrich")).json();

    expect(accepted.job).toMatchObject({ id: "job-1", status: "JOB_STATUS_ACCEPTED" });
    expect(watched.job.status).toBe("JOB_STATUS_SUCCEEDED");
    expect(listed.jobs.map((job: { id: string }) => job.id)).toEqual(["job-1"]);
  });

  it("prints a succeeded job's result as JSON or XML", async () => {
    await givenFunction("enrich");
    ok(await cli("jobs", "run", "enrich", "--input", '{"n":1}', "--job-id", "job-1", "--sync"));

    const result = ok(await cli("jobs", "result", "job-1")).json();
    const xml = ok(await cli("jobs", "result", "job-1", "--format", "xml"));

    expect(result).toEqual({ json: { n: 1, enriched: true } });
    expect(xml.stdout).toContain("<enriched>true</enriched>");
  });

  it("prints tables with -o table, also of a tabular result", async () => {
    await givenFunction("rows", () => ({ json: [{ name: "a", size: 1 }, { name: "b", size: 2 }] }));

    const job = ok(await cli("jobs", "run", "rows", "--sync", "--job-id", "rows-1", "-o", "table"));
    const table = ok(await cli("jobs", "result", "rows-1", "--format", "table", "-o", "table"));
    const list = ok(await cli("-o", "table", "jobs", "list"));

    expect(job.stdout).toMatch(/^id: +rows-1\nfunction: +rows\nstatus: +succeeded\n/);
    expect(table.stdout).toBe("NAME  SIZE\na     1\nb     2\n");
    expect(list.stdout).toMatch(/^ID +FUNCTION +STATUS +PROGRESS +CREATED +ERROR\nrows-1 +rows +succeeded +1\/1 \(ok 1, failed 0\) /);
  });
});
