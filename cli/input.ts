/**
 * `--input`: JSON given inline (`'{"a":1}'`), from a file (`@input.json`) or
 * from stdin (`-`).
 */
import { readFile } from "node:fs/promises";
import type { JsonValue } from "@bufbuild/protobuf";
import { type CliIo, UsageError } from "./command.js";

/** The option's help text. */
export const inputHelp = "JSON inline, @file.json, or - for stdin";

/** Reads and parses `--input`; undefined when the option was not given. */
export async function readJsonInput(value: string | undefined, io: CliIo, option = "input"): Promise<JsonValue | undefined> {
  if (value === undefined) return undefined;
  const text = await inputText(value, io, option);
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new UsageError(`--${option} is not valid JSON: ${(error as Error).message}`);
  }
}

async function inputText(value: string, io: CliIo, option: string): Promise<string> {
  if (value === "-") return io.readStdin();
  if (!value.startsWith("@")) return value;
  const path = value.slice(1);
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`--${option} @${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
}

/** Parsed input that must be a JSON object (a Struct), e.g. a job's input or an event's payload. */
export function asJsonObject(value: unknown, option = "input"): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError(`--${option} must be a JSON object`);
  return value as Record<string, unknown>;
}
