/**
 * Starting and asking the delivery benchmark's sink (`bench/sink.ts`), and the
 * messages the two exchange over the IPC channel.
 */
import { fork } from "node:child_process";
import { processCpuMicros } from "./bench-process.js";

/** What the sink received since its last reset; index i of each array is one request. */
export interface SinkReceipts {
  readonly n: number[];
  /** Send time the runner put in the payload (ms, runner's wall clock). */
  readonly sentAt: number[];
  /** The event's `createdAt` (ms resolution, server's wall clock: the append, just before COMMIT). */
  readonly createdAt: number[];
  /** When the request reached the sink (ms, sink's wall clock). */
  readonly receivedAt: number[];
  /** The first request as received, to replay against the bare sink. */
  readonly sample: { readonly headers: Record<string, string>; readonly body: string } | undefined;
}

export type SinkMessage =
  | { type: "clock" }
  | { type: "reset" }
  | { type: "count" }
  | { type: "report" }
  | { type: "hold" }
  | { type: "release" };
export type SinkReply =
  | { type: "listening"; port: number }
  | { type: "clock"; at: number }
  | { type: "reset" }
  | { type: "count"; distinct: number; total: number }
  | { type: "report"; receipts: SinkReceipts }
  | { type: "hold" }
  | { type: "release"; at: number };

/** A running sink. */
export interface Sink {
  /** `http://127.0.0.1:<port>/hook` */
  readonly url: string;
  /** Wall-clock offset of the sink from this process (sink − runner, ms) and the round trip it was measured over. */
  clockOffset(): Promise<{ offsetMs: number; roundTripMs: number }>;
  reset(): Promise<void>;
  count(): Promise<{ distinct: number; total: number }>;
  report(): Promise<SinkReceipts>;
  /** Stops answering: requests are received and recorded, but their answers wait for `release`. */
  hold(): Promise<void>;
  /** Answers every held request and answers at once again; resolves with the sink's time of release. */
  release(): Promise<number>;
  /** Its process id. */
  readonly pid: number;
  /** CPU time (µs) the sink process has used so far. */
  cpuMicros(): number;
  stop(): void;
}

/** Forks `bench/sink.ts` and waits until it listens. */
export async function startSink(): Promise<Sink> {
  const child = fork("bench/sink.ts", [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const replies: Array<(reply: SinkReply) => void> = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`sink exited with ${code}`)));
    child.on("message", (reply: SinkReply) => {
      if (reply.type === "listening") resolve(reply.port);
      else replies.shift()?.(reply);
    });
  });
  // Replies come back in the order asked: the sink answers each message synchronously.
  const ask = <T extends SinkMessage["type"]>(type: T) =>
    new Promise<Extract<SinkReply, { type: T }>>((resolve) => {
      replies.push((reply) => resolve(reply as Extract<SinkReply, { type: T }>));
      child.send({ type } as SinkMessage);
    });
  const clock = () => performance.timeOrigin + performance.now();

  return {
    url: `http://127.0.0.1:${port}/hook`,
    pid: child.pid!,
    async clockOffset() {
      // The sample with the shortest round trip bounds the offset best (± half of it).
      let best = { offsetMs: 0, roundTripMs: Number.POSITIVE_INFINITY };
      for (let index = 0; index < 50; index++) {
        const before = clock();
        const { at } = await ask("clock");
        const after = clock();
        if (after - before < best.roundTripMs) best = { offsetMs: at - (before + after) / 2, roundTripMs: after - before };
      }
      return best;
    },
    reset: async () => void (await ask("reset")),
    count: async () => {
      const { distinct, total } = await ask("count");
      return { distinct, total };
    },
    report: async () => (await ask("report")).receipts,
    hold: async () => void (await ask("hold")),
    release: async () => (await ask("release")).at,
    cpuMicros: () => processCpuMicros(child.pid!),
    stop: () => child.disconnect(),
  };
}
