/**
 * Progress of --wait and watch: a bar redrawn in place on a terminal, one
 * plain line per change elsewhere.
 */
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ProgressSchema } from "../../client/node.js";
import type { CliIo } from "../../cli/command.js";
import { createProgressReporter, renderProgressBar, renderProgressLine } from "../../cli/progress.js";

const progress = (total: number, succeeded: number, failed: number, running = 0) => create(ProgressSchema, { total, succeeded, failed, running, pending: total - succeeded - failed - running });

function recordingIo(stderrIsTty: boolean): CliIo & { stderr: string[] } {
  const stderr: string[] = [];
  return {
    stderr,
    out: () => {},
    err: (text) => void stderr.push(text),
    readStdin: async () => "",
    stdoutIsTty: stderrIsTty,
    stderrIsTty,
    columns: 80,
    env: {},
    signal: new AbortController().signal,
  };
}

describe("renderProgressBar", () => {
  it("fills the bar with the finished share and counts what succeeded and failed", () => {
    const line = renderProgressBar({ kind: "batch", id: "b1", status: "running", progress: progress(10, 3, 1, 2) }, 80);

    expect(line).toBe("[############------------------] 4/10  ok 3  failed 1  running  batch b1");
  });

  it("never takes the whole width, cutting the id first", () => {
    const line = renderProgressBar({ kind: "job", id: "0bf04daf-d58b-4e39-b377-9fb5b6bb1473", status: "succeeded", progress: progress(1, 1, 0) }, 60);

    expect(line.length).toBe(59);
    expect(line.startsWith("[##########] 1/1  ok 1  failed 0  succeeded  job 0bf04daf")).toBe(true);
  });

  it("shows an empty bar before the total is known", () => {
    expect(renderProgressBar({ kind: "job", id: "j", status: "accepted", progress: undefined }, 80)).toMatch(/^\[-+\] 0\/0 /);
  });
});

describe("createProgressReporter", () => {
  it("redraws one line in place on a terminal and ends it with a newline", () => {
    const io = recordingIo(true);
    const reporter = createProgressReporter(io);

    reporter.update({ kind: "job", id: "j", status: "running", progress: progress(2, 1, 0, 1) });
    reporter.update({ kind: "job", id: "j", status: "succeeded", progress: progress(2, 2, 0) });
    reporter.finish();

    expect(io.stderr).toHaveLength(3);
    expect(io.stderr[0]).toMatch(/^\r\x1b\[2K\[#+-+\] 1\/2 /);
    expect(io.stderr[1]).toMatch(/^\r\x1b\[2K\[#+\] 2\/2 /);
    expect(io.stderr[2]).toBe("\n");
  });

  it("writes a plain line per change elsewhere, skipping repeats", () => {
    const io = recordingIo(false);
    const reporter = createProgressReporter(io);

    reporter.update({ kind: "job", id: "j", status: "running", progress: progress(2, 0, 0, 1) });
    reporter.update({ kind: "job", id: "j", status: "running", progress: progress(2, 0, 0, 1) });
    reporter.update({ kind: "job", id: "j", status: "failed", progress: progress(2, 1, 1) });
    reporter.finish();

    expect(io.stderr).toEqual(["job j: running, 0/2 done (ok 0, failed 0)\n", "job j: failed, 2/2 done (ok 1, failed 1)\n"]);
    expect(renderProgressLine({ kind: "batch", id: "b", status: "succeeded", progress: progress(3, 3, 0) })).toBe("batch b: succeeded, 3/3 done (ok 3, failed 0)");
  });
});
