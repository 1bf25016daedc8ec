import type { Socket } from "node:net";

/** What a cleartext connection speaks, judged from its first bytes. */
export type SniffedProtocol = "h2" | "http1";

// Every HTTP/2 connection starts with "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"; no
// HTTP/1.x method starts with "PRI ", so four bytes are enough to tell.
const http2PrefaceStart = Buffer.from("PRI ", "latin1");

/**
 * Reads the first bytes of `socket` until they tell HTTP/2 with prior
 * knowledge ("PRI ") from HTTP/1.x, puts them back with `unshift`, pauses the
 * socket and calls `onProtocol`. The decision is made as soon as the bytes
 * received so far rule one protocol out, so HTTP/1.x requests are not delayed.
 *
 * A connection that ends, fails, or sends nothing within `timeoutMs` is
 * destroyed without calling `onProtocol`. Returns a function that abandons
 * sniffing and destroys the socket (used when the server shuts down).
 */
export function sniffProtocol(
  socket: Socket,
  timeoutMs: number,
  onProtocol: (protocol: SniffedProtocol) => void,
): () => void {
  let received: Buffer = Buffer.alloc(0);
  let settled = false;

  const cleanUp = () => {
    settled = true;
    clearTimeout(timer);
    socket.removeListener("data", onData);
    socket.removeListener("end", onGone);
    socket.removeListener("error", onGone);
  };
  const abandon = () => {
    if (settled) return;
    cleanUp();
    socket.destroy();
  };
  function onGone(): void {
    abandon();
  }
  function onData(chunk: Buffer): void {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const protocol = classify(received);
    if (protocol === undefined) return;
    cleanUp();
    // Paused, the unshifted bytes wait in the buffer until the next owner
    // attaches its listeners (HTTP/2 reads them, HTTP/1.1 resumes the socket).
    socket.pause();
    socket.unshift(received);
    onProtocol(protocol);
  }

  const timer = setTimeout(abandon, timeoutMs);
  timer.unref();
  socket.on("data", onData);
  socket.once("end", onGone);
  socket.once("error", onGone);
  return abandon;
}

function classify(received: Buffer): SniffedProtocol | undefined {
  const length = Math.min(received.length, http2PrefaceStart.length);
  if (!received.subarray(0, length).equals(http2PrefaceStart.subarray(0, length))) return "http1";
  return length === http2PrefaceStart.length ? "h2" : undefined;
}
