/**
 * The `switchyard` command (bin/switchyard.mjs runs this file through tsx):
 * wires run.ts to the process — argv, stdio, environment, Ctrl-C.
 */
import { text } from "node:stream/consumers";
import type { CliIo } from "./command.js";
import { runCli } from "./run.js";

const interrupted = new AbortController();
// The first Ctrl-C ends streams cleanly (watch, --wait); a second one kills.
process.once("SIGINT", () => interrupted.abort());

const io: CliIo = {
  out: (chunk) => void process.stdout.write(chunk),
  err: (chunk) => void process.stderr.write(chunk),
  readStdin: () => text(process.stdin),
  stdoutIsTty: process.stdout.isTTY === true,
  stderrIsTty: process.stderr.isTTY === true,
  ...(process.stderr.columns ? { columns: process.stderr.columns } : {}),
  env: process.env,
  signal: interrupted.signal,
};

process.exitCode = await runCli(process.argv.slice(2), io);
