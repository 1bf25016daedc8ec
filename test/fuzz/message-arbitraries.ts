/**
 * fast-check arbitraries built from protobuf descriptors: encodings of a
 * request message whose every field has the right wire type and a hostile
 * value (boundary numbers, unknown enum numbers, huge and odd strings, empty
 * and repeated fields, nested messages), plus encodings that are wrong on
 * purpose (invalid UTF-8 in string fields, unknown fields, deep nesting).
 */
import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";

/** Writes one field (or several) of a message being encoded. */
export type FieldWrite = (writer: BinaryWriter) => void;

const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

/** Strings a careless server might choke on; some sizes are far above any field limit. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "",
      " ",
      "\u0000",
      "\uFEFF\u202E",
      "../../etc/passwd",
      "' OR '1'='1",
      "%00%ff",
      "${jndi:ldap://x}",
      "https://a.example.com/hook",
      "http://127.0.0.1:1/",
      "/switchyard.v1.TargetService/CreateTarget",
      "switchyard.v1.EventService",
      "target.created",
      "00000000-0000-0000-0000-000000000000",
      "9223372036854775808",
      "-1",
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map((length) => "x".repeat(length)) },
);

/** Bytes that are not UTF-8: lone continuation bytes, overlong forms, surrogates, truncated sequences. */
export const invalidUtf8: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.uint8Array({ maxLength: 8 }),
    fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xff]),
  )
  .map(([prefix, bad]) => Uint8Array.from([...prefix.filter((byte) => byte < 0x80), ...bad]));

type ScalarEncoding = { wireType: WireType; value: fc.Arbitrary<FieldWrite> };

function scalarEncoding(scalar: ScalarType): ScalarEncoding {
  const varint = (arbitrary: fc.Arbitrary<FieldWrite>) => ({ wireType: WireType.Varint, value: arbitrary });
  switch (scalar) {
    case ScalarType.STRING:
      return { wireType: WireType.LengthDelimited, value: hostileString.map((v) => (w) => w.string(v)) };
    case ScalarType.BYTES:
      return { wireType: WireType.LengthDelimited, value: fc.uint8Array({ maxLength: 64 }).map((v) => (w) => w.bytes(v)) };
    case ScalarType.BOOL:
      return varint(fc.boolean().map((v) => (w) => w.bool(v)));
    case ScalarType.INT32:
      return varint(int32.map((v) => (w) => w.int32(v)));
    case ScalarType.SINT32:
      return varint(int32.map((v) => (w) => w.sint32(v)));
    case ScalarType.UINT32:
      return varint(uint32.map((v) => (w) => w.uint32(v)));
    case ScalarType.INT64:
      return varint(int64.map((v) => (w) => w.int64(v)));
    case ScalarType.SINT64:
      return varint(int64.map((v) => (w) => w.sint64(v)));
    case ScalarType.UINT64:
      return varint(uint64.map((v) => (w) => w.uint64(v)));
    case ScalarType.FIXED32:
      return { wireType: WireType.Bit32, value: uint32.map((v) => (w) => w.fixed32(v)) };
    case ScalarType.SFIXED32:
      return { wireType: WireType.Bit32, value: int32.map((v) => (w) => w.sfixed32(v)) };
    case ScalarType.FLOAT:
      return { wireType: WireType.Bit32, value: fc.float().map((v) => (w) => w.float(v)) };
    case ScalarType.FIXED64:
      return { wireType: WireType.Bit64, value: uint64.map((v) => (w) => w.fixed64(v)) };
    case ScalarType.SFIXED64:
      return { wireType: WireType.Bit64, value: int64.map((v) => (w) => w.sfixed64(v)) };
    case ScalarType.DOUBLE:
      return { wireType: WireType.Bit64, value: fc.double().map((v) => (w) => w.double(v)) };
  }
}

/** Known enum numbers most of the time, any int32 (an unknown value in an open enum) otherwise. */
function enumEncoding(field: { enum: { values: { number: number }[] } }): ScalarEncoding {
  const known = fc.constantFrom(...field.enum.values.map((value) => value.number));
  return { wireType: WireType.Varint, value: fc.oneof({ weight: 3, arbitrary: known }, int32).map((v) => (w) => w.int32(v)) };
}

const cache = new Map<string, fc.Arbitrary<FieldWrite>>();

/** The fields of one message, encoded; nested messages go `depth` levels deep. */
export function messageWrite(desc: DescMessage, depth = 3): fc.Arbitrary<FieldWrite> {
  const key = `${desc.typeName}@${depth}`;
  let arbitrary = cache.get(key);
  if (!arbitrary) {
    const fields = desc.fields.map((field) => fieldWrite(field, depth));
    arbitrary =
      fields.length === 0
        ? fc.constant(() => {})
        : fc.array(fc.oneof(...fields), { maxLength: Math.min(desc.fields.length + 2, 8) }).map((writes) => (w) => {
            for (const write of writes) write(w);
          });
    cache.set(key, arbitrary);
  }
  return arbitrary;
}

function nested(fieldNo: number, desc: DescMessage, depth: number): fc.Arbitrary<FieldWrite> {
  if (depth <= 0) return fc.constant((w: BinaryWriter) => w.tag(fieldNo, WireType.LengthDelimited).bytes(new Uint8Array()));
  return messageWrite(desc, depth - 1).map((write) => (w: BinaryWriter) => {
    w.tag(fieldNo, WireType.LengthDelimited).fork();
    write(w);
    w.join();
  });
}

function singular(field: DescField, depth: number): fc.Arbitrary<FieldWrite> {
  const number = field.number;
  if (field.message) return nested(number, field.message, depth);
  const encoding = field.enum ? enumEncoding(field as { enum: { values: { number: number }[] } }) : scalarEncoding(field.scalar!);
  return encoding.value.map((write) => (w: BinaryWriter) => {
    w.tag(number, encoding.wireType);
    write(w);
  });
}

function fieldWrite(field: DescField, depth: number): fc.Arbitrary<FieldWrite> {
  if (field.fieldKind === "map") return mapWrite(field, depth);
  const one = singular(field, depth);
  if (field.fieldKind !== "list") return one;
  return fc.array(one, { maxLength: 4 }).map((writes) => (w) => {
    for (const write of writes) write(w);
  });
}

function mapWrite(field: DescField & { fieldKind: "map" }, depth: number): fc.Arbitrary<FieldWrite> {
  const key = scalarEncoding(field.mapKey);
  const value: fc.Arbitrary<FieldWrite> =
    field.mapKind === "message"
      ? nested(2, field.message, depth)
      : (() => {
          const encoding = field.mapKind === "enum" ? enumEncoding(field) : scalarEncoding(field.scalar);
          return encoding.value.map((write) => (w: BinaryWriter) => write(w.tag(2, encoding.wireType)));
        })();
  const entry = fc.tuple(key.value, value).map(([writeKey, writeValue]) => (w: BinaryWriter) => {
    w.tag(field.number, WireType.LengthDelimited).fork();
    writeKey(w.tag(1, key.wireType));
    writeValue(w);
    w.join();
  });
  return fc.array(entry, { maxLength: 3 }).map((writes) => (w) => {
    for (const write of writes) write(w);
  });
}

/** Encodes the writes as one message. */
export function encode(write: FieldWrite): Uint8Array {
  const writer = new BinaryWriter();
  write(writer);
  return writer.finish();
}
