/**
 * JSON request bodies for the fuzzer, per request message: well-formed JSON of
 * hostile messages with a part replaced by a value of the wrong kind (types,
 * huge strings and arrays, deep nesting), unknown fields, deeply nested texts,
 * invalid UTF-8, truncated and random texts, and spoiled valid requests.
 */
import { type DescMessage, type JsonObject, type JsonValue, fromBinary, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { encode, hostileString, invalidUtf8, messageWrite } from "./message-arbitraries.js";

const utf8 = new TextEncoder();

/** The JSON form of a well-formed encoding; `{}` when it has none (a Duration out of range, say). */
function jsonOf(desc: DescMessage, bytes: Uint8Array): JsonValue {
  try {
    return toJson(desc, fromBinary(desc, bytes));
  } catch {
    return {};
  }
}

/** `{"a": {"a": … 1}}` or `[[… 1]]`, `levels` deep. */
function nestedValue(levels: number, kind: "object" | "array"): JsonValue {
  let value: JsonValue = 1;
  for (let level = 0; level < levels; level++) value = kind === "object" ? { a: value } : [value];
  return value;
}

const wrongValue: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constantFrom<JsonValue>(null, true, 0, -1, 1.5, "", "NaN", "Infinity", "1e400", "18446744073709551616", "-9223372036854775809"),
  fc.constantFrom<JsonValue>([], {}, [null], { "@type": "x" }),
  fc.integer().map((n): JsonValue => n),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n): JsonValue => n),
  hostileString.map((s): JsonValue => s),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>,
  {
    weight: 3,
    arbitrary: fc
      // Shallow, and around the depths where decoders stop (32, 50, 100 levels).
      .tuple(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 28, max: 110 })), fc.constantFrom("object" as const, "array" as const))
      .map(([levels, kind]) => nestedValue(levels, kind)),
  },
  fc.integer({ min: 100, max: 2_000 }).map((length): JsonValue => Array.from({ length }, (_, index) => index)),
);

/** `seed` (a valid request) with one part replaced by a hostile value or given an unknown field. */
export function spoiled(seed: JsonObject): fc.Arbitrary<JsonValue> {
  return fc
    .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), wrongValue, fc.nat(3), fc.string({ maxLength: 12 }))
    .map(([picks, replacement, addUnknown, unknownName]) => mutate(seed, picks, replacement, addUnknown === 0, unknownName));
}

/** Replaces the node at a random path (or adds an unknown field there) with a value of the wrong kind. */
function mutate(value: JsonValue, picks: number[], replacement: JsonValue, addUnknown: boolean, unknownName: string): JsonValue {
  if (picks.length === 0 || value === null || typeof value !== "object") return replacement;
  const [pick, ...rest] = picks as [number, ...number[]];
  if (Array.isArray(value)) {
    if (value.length === 0) return [replacement];
    const copy = [...value];
    copy[pick % copy.length] = mutate(copy[pick % copy.length]!, rest, replacement, addUnknown, unknownName);
    return copy;
  }
  const keys = Object.keys(value);
  if (keys.length === 0 || (addUnknown && rest.length === 0)) return { ...value, [unknownName]: replacement };
  const key = keys[pick % keys.length]!;
  return { ...value, [key]: mutate(value[key]!, rest, replacement, addUnknown, unknownName) };
}

/** JSON nested `levels` deep, as text: objects or arrays. */
function deepJson(levels: number, kind: "object" | "array"): string {
  return kind === "object" ? '{"a":'.repeat(levels) + "1" + "}".repeat(levels) : "[".repeat(levels) + "]".repeat(levels);
}

/** JSON request bodies for `desc`. */
export function jsonBytes(desc: DescMessage, seed?: JsonObject): fc.Arbitrary<Uint8Array> {
  const wellFormed = messageWrite(desc).map((write) => jsonOf(desc, encode(write)));
  const names = desc.fields.map((field) => field.jsonName);
  const text = (value: JsonValue) => utf8.encode(JSON.stringify(value));
  const texts: fc.Arbitrary<string>[] = [
    fc.tuple(wellFormed, fc.array(fc.nat(), { maxLength: 4 }), wrongValue, fc.boolean(), fc.string({ maxLength: 12 })).map(
      ([value, picks, replacement, addUnknown, unknownName]) => JSON.stringify(mutate(value, picks, replacement, addUnknown, unknownName)),
    ),
    fc.tuple(fc.constantFrom(...names, "x"), fc.integer({ min: 1, max: 20_000 }), fc.constantFrom("object" as const, "array" as const)).map(
      ([name, levels, kind]) => `{${JSON.stringify(name)}:${deepJson(levels, kind)}}`,
    ),
    fc
      .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom("object" as const, "array" as const))
      .map(([levels, kind]) => deepJson(levels, kind)),
    fc.json({ maxDepth: 3 }),
    fc.string({ maxLength: 40 }),
    fc.tuple(wellFormed, fc.nat()).map(([value, cut]) => {
      const whole = JSON.stringify(value);
      return whole.slice(0, cut % (whole.length + 1));
    }),
  ];
  const badUtf8 = fc
    .tuple(fc.constantFrom(...names, "x"), invalidUtf8)
    .map(([name, bytes]) => Uint8Array.from([...utf8.encode(`{${JSON.stringify(name)}:"`), ...bytes, ...utf8.encode('"}')]));
  const arbitraries = [
    { weight: 4, arbitrary: wellFormed.map(text) },
    ...[...texts.map((arbitrary) => arbitrary.map((s) => utf8.encode(s))), badUtf8, fc.uint8Array({ maxLength: 64 })].map((arbitrary) => ({
      weight: 1,
      arbitrary,
    })),
  ];
  if (seed) arbitraries.push({ weight: 8, arbitrary: fc.oneof({ weight: 4, arbitrary: spoiled(seed) }, fc.constant<JsonValue>(seed)).map(text) });
  return fc.oneof(...arbitraries);
}
