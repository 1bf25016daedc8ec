/**
 * The body of one call thread (see call-threads.ts): an in-thread caller of
 * http-caller.ts built from the settings it was started with. It takes the
 * orders of the main thread a message at a time — calls to make, calls to
 * abort — and answers the calls that ended during one turn of its own in one
 * message.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { CallThreadSettings, ThreadAnswer, ThreadOrder } from "./call-threads.js";
import { type CallResult, createHttpCaller } from "./http-caller.js";
import { createOutboundGuard } from "./outbound-guard.js";

const port = parentPort!;
const settings = (workerData as { settings: CallThreadSettings }).settings;
const caller = createHttpCaller({ guard: createOutboundGuard(settings.allow ? { allow: settings.allow } : {}) });

/** Calls in flight, by id, with what aborts them. */
const inFlight = new Map<number, AbortController>();
let ended: { id: number; result: CallResult }[] = [];

function answer(id: number, result: CallResult): void {
  inFlight.delete(id);
  if (ended.length === 0) {
    setImmediate(() => {
      const results = ended;
      ended = [];
      port.postMessage({ type: "results", results } satisfies ThreadAnswer);
    });
  }
  ended.push({ id, result });
}

port.on("message", (orders: readonly ThreadOrder[]) => {
  for (const order of orders) {
    if (order.type === "abort") {
      inFlight.get(order.id)?.abort();
      continue;
    }
    if (order.type === "close") {
      void caller.close().finally(() => port.postMessage({ type: "closed" } satisfies ThreadAnswer));
      continue;
    }
    const { id, request } = order;
    const controller = new AbortController();
    inFlight.set(id, controller);
    if (order.aborted) controller.abort();
    // Not `{ ...request, signal }`: a literal that starts with a spread made a hidden class per call.
    void caller.call(Object.assign({ signal: controller.signal }, request)).then((result) => answer(id, result));
  }
});

port.postMessage({ type: "ready" } satisfies ThreadAnswer);
