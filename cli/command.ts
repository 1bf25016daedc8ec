/**
 * What a CLI command is: its options, its usage line, and what it does with a
 * client. Commands are grouped by resource (`targets`, `jobs`, …) in commands/.
 */
import type { SwitchyardClient } from "../client/node.js";
import type { Output } from "./output.js";

/** One `--option`: a string (possibly repeated) or a flag, with its help text. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in help, e.g. `<id>`. */
  readonly value?: string;
  readonly description: string;
}

/** Parsed option values, by long name. */
export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

/** How a command talks to the world; the process in main.ts, anything in tests. */
export interface CliIo {
  /** Writes to stdout as is (no newline added). */
  out(text: string): void;
  /** Writes to stderr as is. */
  err(text: string): void;
  /** All of stdin as text. */
  readStdin(): Promise<string>;
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  /** Terminal width, when a terminal. */
  readonly columns?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C, so streams end cleanly. */
  readonly signal: AbortSignal;
}

/** What a running command gets. */
export interface CommandContext {
  readonly client: SwitchyardClient;
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  readonly output: Output;
  readonly io: CliIo;
}

/** One action of a group, e.g. `targets create`. */
export interface Command {
  /** One line for the group's help. */
  readonly summary: string;
  /** Positional arguments, e.g. `<id>`; empty when none. */
  readonly args?: string;
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Runs it; answers the exit code (0 when nothing is returned). */
  run(context: CommandContext): Promise<number | void>;
}

/** Commands of one group, by action name. */
export type CommandGroup = Readonly<Record<string, Command>>;

/** A mistake in how the CLI was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The string value of `--name`, or undefined. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** Every value of a repeatable `--name`, also split on commas (`--status a,b --status c`). */
export function listOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  const all = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  return all.flatMap((item) => item.split(",")).map((item) => item.trim()).filter((item) => item !== "");
}

/** The one positional a command needs, e.g. an id. */
export function requiredArg(positionals: readonly string[], index: number, name: string): string {
  const value = positionals[index];
  if (value === undefined || value === "") throw new UsageError(`missing ${name}`);
  return value;
}

/** A non-negative integer option, e.g. `--limit 10`. */
export function integerOption(values: OptionValues, name: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a non-negative integer, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** A uint64 option (sequences, positions) as a bigint. */
export function bigintOption(values: OptionValues, name: string): bigint | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a non-negative integer, not ${JSON.stringify(text)}`);
  return BigInt(text);
}
