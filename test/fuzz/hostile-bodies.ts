/**
 * Request bodies for the fuzzer, per request message: protobuf bytes (well
 * formed and hostile, truncated, bit-flipped, with unknown fields, invalid
 * UTF-8, deep nesting, random, a spoiled valid request), unary bodies
 * (compressed or not) and enveloped frames (truncated, compressed flag
 * without compression, several messages). JSON texts are in hostile-json.ts.
 */
import { gzipSync } from "node:zlib";
import { type DescMessage, type JsonObject, type JsonValue, ScalarType, fromJson, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import { spoiled } from "./hostile-json.js";
import { type FieldWrite, encode, invalidUtf8, messageWrite } from "./message-arbitraries.js";
import { frame } from "./wire-calls.js";

/** A body and the headers that go with it (a compression, say). */
export interface Body {
  readonly bytes: Uint8Array;
  readonly headers: Record<string, string>;
}

const plain = (bytes: Uint8Array): Body => ({ bytes, headers: {} });

/** Fields numbered above anything the message declares, of every wire type, groups nested. */
function unknownFields(desc: DescMessage): fc.Arbitrary<FieldWrite> {
  const first = Math.max(0, ...desc.fields.map((field) => field.number)) + 1;
  const number = fc.integer({ min: first, max: 536_870_911 });
  const one = fc.oneof(
    fc.tuple(number, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([n, v]): FieldWrite => (w) => w.tag(n, WireType.Varint).uint64(v)),
    fc.tuple(number, fc.integer()).map(([n, v]): FieldWrite => (w) => w.tag(n, WireType.Bit32).sfixed32(v)),
    fc.tuple(number, fc.double()).map(([n, v]): FieldWrite => (w) => w.tag(n, WireType.Bit64).double(v)),
    fc.tuple(number, fc.uint8Array({ maxLength: 32 })).map(([n, v]): FieldWrite => (w) => w.tag(n, WireType.LengthDelimited).bytes(v)),
    fc.tuple(number, fc.integer({ min: 1, max: 150 })).map(([n, levels]): FieldWrite => (w) => nestedGroups(w, n, levels)),
  );
  return fc.array(one, { minLength: 1, maxLength: 4 }).map((writes) => (w) => writes.forEach((write) => write(w)));
}

function nestedGroups(w: BinaryWriter, fieldNo: number, levels: number): void {
  for (let level = 0; level < levels; level++) w.tag(fieldNo, WireType.StartGroup);
  for (let level = 0; level < levels; level++) w.tag(fieldNo, WireType.EndGroup);
}

/** A known field sent with bytes its type cannot hold: invalid UTF-8 in a string, a wrong wire type. */
function misencodedField(desc: DescMessage): fc.Arbitrary<FieldWrite> {
  const strings = desc.fields.filter(
    (field) => field.scalar === ScalarType.STRING || (field.fieldKind === "map" && field.mapKey === ScalarType.STRING),
  );
  // A message without fields still has field 1 to get wrong.
  const anyField = fc.constantFrom(...desc.fields.map((field) => field.number), 1);
  const wrongWireType = fc
    .tuple(
      anyField,
      fc.constantFrom(WireType.Varint, WireType.Bit32, WireType.Bit64, WireType.LengthDelimited, WireType.EndGroup),
      fc.uint8Array({ maxLength: 12 }),
    )
    .map(([fieldNo, wireType, junk]): FieldWrite => (w) => w.tag(fieldNo, wireType).raw(junk));
  if (strings.length === 0) return wrongWireType;
  const badString = fc
    .tuple(fc.constantFrom(...strings), invalidUtf8)
    .map(([field, bytes]): FieldWrite => (w) => {
      if (field.fieldKind !== "map") return void w.tag(field.number, WireType.LengthDelimited).bytes(bytes);
      w.tag(field.number, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).bytes(bytes).join();
    });
  return fc.oneof(badString, wrongWireType);
}

/** The path of message fields from `desc` down to a google.protobuf.Struct field, if there is one near. */
function structPath(desc: DescMessage, depth = 3): number[] | undefined {
  for (const field of desc.fields) {
    if (field.fieldKind !== "message") continue;
    if (field.message.typeName === "google.protobuf.Struct") return [field.number];
    if (depth > 0) {
      const rest = structPath(field.message, depth - 1);
      if (rest) return [field.number, ...rest];
    }
  }
  return undefined;
}

/** A Struct nested `levels` deep (`{"a": {"a": …}}`), encoded by hand, at `path`. */
function deepStruct(path: number[], levels: number): Uint8Array {
  let struct = new Uint8Array();
  for (let level = 0; level < levels; level++) {
    // Value { struct_value = 5 }, inside Struct { fields = 1: map<string, Value> }.
    const value = new BinaryWriter().tag(5, WireType.LengthDelimited).bytes(struct).finish();
    const entry = new BinaryWriter().tag(1, WireType.LengthDelimited).string("a").tag(2, WireType.LengthDelimited).bytes(value).finish();
    struct = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(entry).finish();
  }
  for (const fieldNo of [...path].reverse()) struct = new BinaryWriter().tag(fieldNo, WireType.LengthDelimited).bytes(struct).finish();
  return struct;
}

/** Protobuf encodings of `desc`: mostly well formed with hostile values, the rest broken in every way. */
export function protobufBytes(desc: DescMessage, seed?: JsonObject): fc.Arbitrary<Uint8Array> {
  const wellFormed = messageWrite(desc).map(encode);
  const path = structPath(desc);
  const variants: fc.Arbitrary<Uint8Array>[] = [
    fc.tuple(messageWrite(desc), unknownFields(desc)).map(([known, unknown]) => encode((w) => (known(w), unknown(w)))),
    fc.tuple(messageWrite(desc), misencodedField(desc)).map(([known, bad]) => encode((w) => (known(w), bad(w)))),
    fc.uint8Array({ maxLength: 200 }),
    fc.tuple(wellFormed, fc.nat()).map(([bytes, cut]) => bytes.subarray(0, bytes.length === 0 ? 0 : cut % bytes.length)),
    fc.tuple(wellFormed, fc.nat(), fc.integer({ min: 0, max: 7 })).map(([bytes, at, bit]) => flipBit(bytes, at, bit)),
    fc.tuple(wellFormed, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([bytes, junk]) => concat(bytes, junk)),
  ];
  if (path) variants.push(fc.integer({ min: 50, max: 400 }).map((levels) => deepStruct(path, levels)));
  const arbitraries = [{ weight: variants.length, arbitrary: wellFormed }, ...variants.map((arbitrary) => ({ weight: 1, arbitrary }))];
  if (seed) {
    // A spoiled valid request, when it still fits the message type (a wrong JSON type does not).
    const fallback = binaryOf(desc, seed) ?? new Uint8Array();
    arbitraries.push({ weight: variants.length, arbitrary: spoiled(seed).map((json) => binaryOf(desc, json) ?? fallback) });
  }
  return fc.oneof(...arbitraries);
}

function binaryOf(desc: DescMessage, json: JsonValue): Uint8Array | undefined {
  try {
    return toBinary(desc, fromJson(desc, json));
  } catch {
    return undefined;
  }
}

function flipBit(bytes: Uint8Array, at: number, bit: number): Uint8Array {
  if (bytes.length === 0) return bytes;
  const copy = Uint8Array.from(bytes);
  copy[at % copy.length]! ^= 1 << bit;
  return copy;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

/** Unary Connect bodies: the message as is, or compressed (validly, truncated, or not at all). */
export function unaryBodies(message: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Body> {
  const gzip = { "content-encoding": "gzip" };
  return fc.oneof(
    { weight: 8, arbitrary: message.map(plain) },
    message.map((bytes) => ({ bytes: gzipSync(bytes), headers: gzip })),
    fc.tuple(message, fc.nat()).map(([bytes, cut]) => ({ bytes: truncated(gzipSync(bytes), cut), headers: gzip })),
    message.map((bytes) => ({ bytes, headers: gzip })),
  );
}

/** Enveloped bodies (gRPC, Connect streams): one frame, or frames that lie about themselves. */
export function framedBodies(message: fc.Arbitrary<Uint8Array>, encodingHeader: string): fc.Arbitrary<Body> {
  const gzip = { [encodingHeader]: "gzip" };
  return fc.oneof(
    { weight: 10, arbitrary: message.map((bytes) => plain(frame(bytes))) },
    fc.tuple(message, fc.integer({ min: 1, max: 1_000 })).map(([bytes, extra]) => plain(frame(bytes, 0, bytes.length + extra))),
    fc.tuple(message, fc.integer({ min: 1, max: 8 })).map(([bytes, short]) => plain(frame(bytes, 0, Math.max(0, bytes.length - short)))),
    message.map((bytes) => plain(frame(bytes, 1))),
    fc.tuple(message, fc.integer({ min: 2, max: 255 })).map(([bytes, flags]) => plain(frame(bytes, flags))),
    fc.tuple(message, message).map(([first, second]) => plain(concat(frame(first), frame(second)))),
    message.map((bytes) => plain(frame(bytes, 0, 0xffff_ffff))),
    fc.uint8Array({ maxLength: 4 }).map(plain),
    message.map((bytes) => ({ bytes: frame(gzipSync(bytes), 1), headers: gzip })),
    fc.tuple(message, fc.nat()).map(([bytes, cut]) => ({ bytes: frame(truncated(gzipSync(bytes), cut), 1), headers: gzip })),
    message.map((bytes) => ({ bytes: frame(bytes, 1), headers: gzip })),
  );
}

function truncated(bytes: Uint8Array, cut: number): Uint8Array {
  return bytes.subarray(0, cut % bytes.length);
}
