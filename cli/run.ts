/**
 * The CLI as a function of its arguments: finds the command, parses its
 * options together with the global ones (which may come anywhere), creates a
 * client and runs it. Answers the exit code; never exits the process.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { Code, ConnectError, type Protocol, createSwitchyardClient } from "../client/node.js";
import { type CliIo, type CommandGroup, type OptionSpec, type OptionValues, UsageError } from "./command.js";
import { batchesCommands } from "./commands/batches.js";
import { deliveriesCommands } from "./commands/deliveries.js";
import { eventsCommands } from "./commands/events.js";
import { executionsCommands } from "./commands/executions.js";
import { jobsCommands } from "./commands/jobs.js";
import { keysUsage, runKeys } from "./commands/keys.js";
import { targetsCommands } from "./commands/targets.js";
import { commandHelp, globalOptions, groupHelp, mainHelp } from "./help.js";
import { type OutputFormat, createOutput } from "./output.js";
import { reportError } from "./report-error.js";

/** Every group but `keys`, in help order. */
export const commandGroups: Readonly<Record<string, CommandGroup>> = {
  targets: targetsCommands,
  executions: executionsCommands,
  jobs: jobsCommands,
  batches: batchesCommands,
  events: eventsCommands,
  deliveries: deliveriesCommands,
};

const protocols: readonly Protocol[] = ["connect", "grpc", "grpc-web"];

/** Runs `switchyard <argv…>`; answers the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let tokenGiven = true;
  try {
    const { prefix, rest } = splitGlobalPrefix(argv);
    const [group, action, ...args] = rest;
    const asked = prefix.includes("--help") || prefix.includes("-h");
    if (group === undefined || group === "help" || isHelp(group)) return help(io, mainHelp(commandGroups), group !== undefined || asked);
    if (group === "keys") return action === undefined || isHelp(action) ? help(io, keysUsage, true) : await runKeys(rest.slice(1));
    const commands = commandGroups[group];
    if (!commands) throw new UsageError(`unknown group ${JSON.stringify(group)}: expected ${[...Object.keys(commandGroups), "keys"].join(", ")}`);
    if (action === undefined || isHelp(action)) return help(io, groupHelp(group, commands), action !== undefined || asked);
    const command = commands[action];
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(`${group} ${action}`)}: expected ${Object.keys(commands).join(", ")}`);
    const { values, positionals } = parseOptions([...prefix, ...args], { ...globalOptions, ...command.options });
    if (values.help === true) return help(io, commandHelp(group, action, command), true);

    const token = (values.token as string | undefined) || io.env.SWITCHYARD_TOKEN || undefined;
    tokenGiven = token !== undefined;
    const client = createSwitchyardClient({
      baseUrl: (values.server as string | undefined) || io.env.SWITCHYARD_SERVER || "http://127.0.0.1:8080",
      ...(token === undefined ? {} : { token }),
      protocol: protocolOf((values.protocol as string | undefined) || io.env.SWITCHYARD_PROTOCOL || undefined),
    });
    try {
      const output = createOutput(outputFormatOf(values.output as string | undefined, io), io);
      return (await command.run({ client, values, positionals, output, io })) ?? 0;
    } finally {
      client.close();
    }
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.Canceled && io.signal.aborted) return 130;
    const code = reportError(error, io.err);
    if (!tokenGiven && error instanceof ConnectError && error.code === Code.Unauthenticated) {
      io.err("no token was given: pass --token or set SWITCHYARD_TOKEN (a server started with npm start accepts sy_dev_switchyard)\n");
    }
    return code;
  }
}

function isHelp(arg: string): boolean {
  return arg === "--help" || arg === "-h";
}

/** Help that was asked for goes to stdout (exit 0); help instead of a missing command goes to stderr (exit 2). */
function help(io: CliIo, text: string, asked: boolean): number {
  (asked ? io.out : io.err)(text);
  return asked ? 0 : 2;
}

/** Global options before the group (`switchyard --server … jobs run …`) and everything from the group on. */
function splitGlobalPrefix(argv: readonly string[]): { prefix: string[]; rest: string[] } {
  let index = 0;
  while (index < argv.length && argv[index]!.startsWith("-") && argv[index] !== "-") {
    const arg = argv[index]!;
    const name = arg.startsWith("--") ? arg.slice(2).split("=")[0]! : Object.keys(globalOptions).find((key) => globalOptions[key]!.short === arg.slice(1));
    const spec = name === undefined ? undefined : globalOptions[name];
    if (!spec) throw new UsageError(`unknown global option ${arg} (command options go after the command)`);
    index += spec.type === "string" && !arg.includes("=") ? 2 : 1;
  }
  return { prefix: argv.slice(0, index), rest: argv.slice(index) };
}

function parseOptions(args: string[], options: Readonly<Record<string, OptionSpec>>) {
  const config: ParseArgsConfig["options"] = Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [name, { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) }]),
  );
  try {
    const { values, positionals } = parseArgs({ args, options: config, allowPositionals: true, strict: true });
    return { values: values as OptionValues, positionals };
  } catch (error) {
    // node:util reports unknown options and missing values as TypeErrors with an ERR_PARSE_ARGS_* code.
    if ((error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) throw new UsageError((error as Error).message);
    throw error;
  }
}

function protocolOf(text: string | undefined): Protocol {
  const protocol = (text ?? "connect") as Protocol;
  if (!protocols.includes(protocol)) throw new UsageError(`--protocol ${text}: expected ${protocols.join(", ")}`);
  return protocol;
}

function outputFormatOf(text: string | undefined, io: CliIo): OutputFormat {
  if (text === undefined) return io.stdoutIsTty ? "table" : "json";
  if (text !== "json" && text !== "table") throw new UsageError(`--output ${text}: expected json or table`);
  return text;
}
