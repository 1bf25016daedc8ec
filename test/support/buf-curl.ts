/**
 * Runs the `buf curl` CLI from node_modules (a real gRPC reflection client
 * that compiles every descriptor it downloads) over gRPC with h2c.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { devApiKey } from "../../server/auth/api-key-tokens.js";

const bufPath = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));

/** The outcome of one `buf curl` run; a non-zero exit code is not thrown. */
export interface BufCurlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `buf curl --protocol grpc --http2-prior-knowledge -H 'authorization: Bearer <token>' ...args`
 * (the development key unless `token` says otherwise; `null`: no header),
 * asynchronously so an in-process server keeps serving.
 */
export function bufCurl(args: string[], token: string | null = devApiKey): Promise<BufCurlResult> {
  const auth = token === null ? [] : ["-H", `authorization: Bearer ${token}`];
  return new Promise((resolve) => {
    execFile(bufPath, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...auth, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ exitCode, stdout, stderr });
    });
  });
}
