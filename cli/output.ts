/**
 * How results are printed: `json` (the API's protobuf JSON, exactly what
 * Connect JSON answers, so `jq` paths match the docs) or `table` (for people).
 * Results go to stdout; notes and progress to stderr, so stdout stays parseable.
 */
import { type DescMessage, type MessageShape, toJson } from "@bufbuild/protobuf";
import type { CliIo } from "./command.js";

/** `json` or `table`. */
export type OutputFormat = "json" | "table";

/** The printer a command uses. */
export interface Output {
  readonly format: OutputFormat;
  /** Prints a whole response: indented JSON, or what `table()` renders. */
  print<S extends DescMessage>(schema: S, message: MessageShape<S>, table: () => string): void;
  /** Prints one message of a stream: a JSON line (NDJSON), or what `table()` renders. */
  streamed<S extends DescMessage>(schema: S, message: MessageShape<S>, table: () => string): void;
  /** Prints text as is (e.g. an XML result), whatever the format. */
  raw(text: string): void;
  /** A note for people on stderr (also in json mode). */
  note(text: string): void;
}

/** The printer of `format` writing to `io`. */
export function createOutput(format: OutputFormat, io: CliIo): Output {
  return {
    format,
    print(schema, message, table) {
      io.out(format === "json" ? `${JSON.stringify(toJson(schema, message), null, 2)}\n` : table());
    },
    streamed(schema, message, table) {
      io.out(format === "json" ? `${JSON.stringify(toJson(schema, message))}\n` : table());
    },
    raw(text) {
      io.out(text.endsWith("\n") ? text : `${text}\n`);
    },
    note(text) {
      io.err(`${text}\n`);
    },
  };
}
