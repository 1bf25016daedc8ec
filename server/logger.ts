/**
 * The process logger: pino JSON lines through a buffered destination. A
 * write syscall per RPC is a measurable share of a GetTarget, and pino's
 * asynchronous mode hands every write to libuv's thread pool (worse on two
 * cores), so lines are gathered and written synchronously in chunks of at
 * least 4 KiB; a timer flushes whatever waits every `flushMs`, so a quiet
 * server still shows its lines promptly. The buffer is flushed on exit; a
 * SIGKILL may lose the last lines still in it, never acknowledged data.
 */
import pino, { type Logger } from "pino";

/** Creates the logger at `level`, writing to `fd` (stdout by default). */
export function createLogger(level: string, options: { fd?: number; flushMs?: number } = {}): Logger {
  const destination = pino.destination({ dest: options.fd ?? 1, sync: true, minLength: 4096 });
  const timer = setInterval(() => destination.flush(), options.flushMs ?? 250);
  timer.unref();
  return pino({ level, base: { service: "switchyard" } }, destination);
}
