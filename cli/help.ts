/**
 * Help texts, generated from the command definitions.
 */
import type { Command, CommandGroup, OptionSpec } from "./command.js";
import { conditionHelp } from "./condition.js";

/** Options every command takes. */
export const globalOptions: Readonly<Record<string, OptionSpec>> = {
  server: { type: "string", value: "<url>", description: "server base URL (env SWITCHYARD_SERVER; default http://127.0.0.1:8080)" },
  token: { type: "string", value: "<token>", description: "API key or JWT (env SWITCHYARD_TOKEN; npm start accepts sy_dev_switchyard)" },
  output: { type: "string", short: "o", value: "json|table", description: "json (the API's JSON) or table; default table on a terminal, json otherwise" },
  protocol: { type: "string", value: "connect|grpc|grpc-web", description: "wire protocol (env SWITCHYARD_PROTOCOL; default connect)" },
  help: { type: "boolean", short: "h", description: "show help" },
};

function optionLines(options: Readonly<Record<string, OptionSpec>>): string {
  const entries = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`;
    return [flag, `${spec.description}${spec.multiple ? " (repeatable)" : ""}`] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length)) + 2;
  return entries.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`).join("\n");
}

/** `switchyard --help`. */
export function mainHelp(groups: Readonly<Record<string, CommandGroup>>): string {
  const groupLines = Object.entries(groups).map(([name, group]) => `  ${name.padEnd(12)}${Object.keys(group).join(", ")}`);
  return `usage: switchyard [global options] <group> <command> [arguments] [options]

Scripts a Switchyard server through its API (every command is one RPC, or a stream).

groups:
${groupLines.join("\n")}
  ${"keys".padEnd(12)}create, list, revoke (API keys in the server's database; see switchyard keys --help)

global options:
${optionLines(globalOptions)}

conditions (executions): ${conditionHelp}

exit codes: 0 ok, 1 a call failed, 2 bad usage, 3 a job or batch ended but did not succeed

examples:
  export SWITCHYARD_TOKEN=sy_dev_switchyard
  switchyard targets create --name enrich --endpoint http://127.0.0.1:9000/hook --type call --interrupt-on-error
  switchyard executions set function:enrich <target id>
  switchyard jobs run enrich --input '{"customer":42}' --wait
  switchyard events watch --from-position 1 -o json
`;
}

/** `switchyard <group> --help`. */
export function groupHelp(name: string, group: CommandGroup): string {
  const width = Math.max(...Object.keys(group).map((action) => action.length)) + 2;
  const lines = Object.entries(group).map(([action, command]) => `  ${action.padEnd(width)}${command.summary}`);
  return `usage: switchyard ${name} <command> [arguments] [options]\n\ncommands:\n${lines.join("\n")}\n\nswitchyard ${name} <command> --help shows a command's options.\n`;
}

/** `switchyard <group> <command> --help`. */
export function commandHelp(name: string, action: string, command: Command): string {
  const options = command.options && Object.keys(command.options).length > 0 ? `\noptions:\n${optionLines(command.options)}\n` : "";
  return `usage: switchyard ${name} ${action}${command.args ? ` ${command.args}` : ""} [options]\n\n${command.summary}\n${options}\nglobal options:\n${optionLines(globalOptions)}\n`;
}
