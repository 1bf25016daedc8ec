/**
 * How the CLI fails: the server's message and field violations on stderr and
 * exit code 1 for a failed call (over every protocol), exit code 2 for a
 * command-line mistake, and a hint when no token was given.
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { type CliRun, runCli } from "../support/run-cli.js";
import { useServer } from "../support/use-server.js";

const server = useServer("all");

function cli(...args: string[]): Promise<CliRun> {
  return runCli(args, { server: server.baseUrl });
}

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("a failed call", () => {
  it.each(["connect", "grpc", "grpc-web"])("prints a validation error with each field over %s, exit code 1", async (protocol) => {
    const run = await cli("--protocol", protocol, "targets", "create", "--name", "", "--endpoint", "ftp://example.com", "--type", "webhook");

    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^error: invalid_argument: /);
    expect(run.stderr).toContain("\n  name: must be at least 1 characters\n");
    expect(run.stderr).toContain("\n  endpoint: must be an absolute http or https URL\n");
  });

  it("prints the reason and metadata of a not_found", async () => {
    const run = await cli("targets", "get", "no-such-target");

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: not_found: .*\(target_not_found\)\n/);
  });

  it("says how to pass a token when none was given", async () => {
    const run = await runCli(["targets", "list"], { server: server.baseUrl, token: null });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: unauthenticated: .*\(invalid_token\)\n/);
    expect(run.stderr).toContain("pass --token or set SWITCHYARD_TOKEN");
  });

  it("takes --token over the environment", async () => {
    const run = await runCli(["--token", "sy_wrong", "targets", "list"], { server: server.baseUrl });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: unauthenticated: /);
    expect(run.stderr).not.toContain("pass --token");
  });

  it("names the address when the server cannot be reached", async () => {
    const port = await closedPort();

    const run = await runCli(["targets", "list"], { server: `http://127.0.0.1:${port}` });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
  });
});

describe("a command-line mistake", () => {
  it("exits 2 with the mistake and a hint", async () => {
    const run = await cli("targets", "list", "--bogus");

    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^switchyard: Unknown option '--bogus'.*\n\(see switchyard --help\)\n$/);
  });

  it("prints help on request, exit code 0", async () => {
    const main = await cli("--help");
    const command = await cli("jobs", "run", "--help");

    expect(main.code).toBe(0);
    expect(main.stdout).toContain("usage: switchyard [global options] <group> <command>");
    expect(command.code).toBe(0);
    expect(command.stdout).toContain("  -w, --wait ");
  });
});
