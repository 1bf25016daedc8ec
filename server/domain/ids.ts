/**
 * Time-ordered ids (UUID version 7, RFC 9562): 48 bits of Unix milliseconds,
 * then a 12-bit counter that keeps the ids one process makes in the same
 * millisecond in order (method 1 of RFC 9562 §6.2), then 62 random bits.
 *
 * Why not random (v4) ids: jobs, batches and deliveries are keyed by their id
 * in SQLite b-trees (the jobs' primary key, the events' aggregate index, the
 * deliveries' primary key). A random key lands on a random leaf page, so every
 * commit rewrites pages all over the tree; a time-ordered one lands at the
 * right edge, where the recent rows already are. bench/store-jobs.ts measures
 * the difference.
 */
import { randomFillSync } from "node:crypto";

const idBytes = 10;
const pool = Buffer.alloc(idBytes * 512);
let poolOffset = pool.length;
let lastMs = -1;
let counter = 0;

function nextRandomBytes(): Buffer {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += idBytes;
  return pool.subarray(poolOffset - idBytes, poolOffset);
}

const hex = (value: number, digits: number) => value.toString(16).padStart(digits, "0");

/** A new UUIDv7, later (as a string) than every earlier one of this process unless the clock went back. */
export function uuidV7(now: number = Date.now()): string {
  const random = nextRandomBytes();
  if (now > lastMs) {
    lastMs = now;
    // A random start, below half the range, leaves room for 2048 more ids in this millisecond.
    counter = random.readUInt16BE(8) & 0x7ff;
  } else if (++counter > 0xfff) {
    // The counter ran out: borrow the next millisecond.
    lastMs += 1;
    counter = 0;
  }
  const ms = hex(lastMs, 12);
  const variant = 0x8000 | (random.readUInt16BE(0) & 0x3fff);
  return (
    `${ms.slice(0, 8)}-${ms.slice(8)}-7${hex(counter, 3)}-${hex(variant, 4)}-` +
    `${hex(random.readUInt32BE(2), 8)}${hex(random.readUInt16BE(6), 4)}`
  );
}
