/**
 * Load generators: autocannon for Connect JSON over HTTP/1.1, and a bare
 * grpc-js client (pre-encoded messages, no per-call schema work) for gRPC.
 * Both keep `connections` calls in flight for `seconds` and report calls/s.
 */
import * as grpc from "@grpc/grpc-js";
import autocannon from "autocannon";
import { benchAuthorization, benchJsonHeaders } from "./auth.js";

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly errors: number;
}

/** Connect JSON over HTTP/1.1: POSTs `bodies[i % bodies.length]` to `path`. */
export async function connectJsonLoad(options: {
  baseUrl: string;
  path: string;
  bodies: readonly string[];
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url: options.baseUrl,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: "POST",
        path: options.path,
        headers: { ...benchJsonHeaders },
        setupRequest: (request) => ({ ...request, body: options.bodies[next++ % options.bodies.length] }),
      },
    ],
  });
  return { requestsPerSecond: result.requests.average, errors: result.errors + result.non2xx };
}

/** gRPC over cleartext HTTP/2 with grpc-js: unary calls of `path` with pre-encoded `bodies`. */
export async function grpcLoad(options: {
  address: string;
  path: string;
  bodies: readonly Uint8Array[];
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  const client = new grpc.Client(options.address, grpc.credentials.createInsecure());
  const identity = (value: Buffer) => value;
  const metadata = new grpc.Metadata();
  metadata.set("authorization", benchAuthorization);
  const deadline = Date.now() + options.seconds * 1000;
  let completed = 0;
  let errors = 0;
  let next = 0;
  const call = (body: Uint8Array) =>
    new Promise<void>((resolve) => {
      client.makeUnaryRequest(options.path, identity, identity, Buffer.from(body), metadata, (error) => {
        if (error) errors++;
        else completed++;
        resolve();
      });
    });
  const worker = async () => {
    while (Date.now() < deadline) await call(options.bodies[next++ % options.bodies.length]!);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  client.close();
  return { requestsPerSecond: completed / elapsed, errors };
}
