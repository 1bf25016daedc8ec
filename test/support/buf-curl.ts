/**
 * Runs the `buf curl` CLI from node_modules (a real gRPC reflection client
 * that compiles every descriptor it downloads) over gRPC with h2c.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const bufPath = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));

/** The outcome of one `buf curl` run; a non-zero exit code is not thrown. */
export interface BufCurlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `buf curl --protocol grpc --http2-prior-knowledge ...args`, asynchronously so an in-process server keeps serving. */
export function bufCurl(args: string[]): Promise<BufCurlResult> {
  return new Promise((resolve) => {
    execFile(bufPath, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ exitCode, stdout, stderr });
    });
  });
}
