/**
 * gen/ is committed; this fails when it no longer matches what `buf generate`
 * makes from proto/, and when proto/ does not pass `buf lint`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const buf = join(root, "node_modules/.bin/buf");

/** Runs a command in the repository root; never throws, the caller judges the status. */
function run(command: string, args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8", timeout: 60_000 });
  const output = [result.stdout, result.stderr, result.error?.message].filter(Boolean).join("\n");
  return { status: result.status, output };
}

/** Every file below `dir`, as paths relative to it, sorted. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => statSync(join(dir, file)).isFile())
    .sort();
}

/** Files that are missing on one side or differ in bytes, each with why. */
function differences(expectedDir: string, actualDir: string): string[] {
  const expected = filesUnder(expectedDir);
  const actual = filesUnder(actualDir);
  const found: string[] = [];
  for (const file of expected) {
    if (!actual.includes(file)) found.push(`gen/${file} (missing; buf generate makes it)`);
    else if (!readFileSync(join(expectedDir, file)).equals(readFileSync(join(actualDir, file)))) {
      found.push(`gen/${file} (differs)`);
    }
  }
  for (const file of actual) {
    if (!expected.includes(file)) found.push(`gen/${file} (extra; buf generate does not make it)`);
  }
  return found;
}

describe("generated code", () => {
  let outputDir: string;

  beforeAll(() => {
    // postinstall stages .protodeps/; stage it here only when it is missing, since it is rebuilt from scratch.
    if (!existsSync(join(root, ".protodeps"))) {
      const staged = run(process.execPath, [join(root, "scripts/protodeps.mjs")]);
      if (staged.status !== 0) throw new Error(`scripts/protodeps.mjs failed:\n${staged.output}`);
    }
    outputDir = mkdtempSync(join(tmpdir(), "switchyard-gen-"));
  });

  afterAll(() => {
    if (outputDir) rmSync(outputDir, { recursive: true, force: true });
  });

  it("gen/ is what buf generate makes from proto/", () => {
    // when
    const generated = run(buf, ["generate", "--template", "buf.gen.yaml", "-o", outputDir]);
    expect(generated.status, `buf generate failed:\n${generated.output}`).toBe(0);
    const freshDir = join(outputDir, "gen");
    expect(filesUnder(freshDir).length, "buf generate wrote no files").toBeGreaterThan(0);

    // then
    const stale = differences(freshDir, join(root, "gen"));
    expect(stale, `gen/ is out of date with proto/: run npm run generate\n  ${stale.join("\n  ")}`).toEqual([]);
  });

  it("proto/ passes buf lint", () => {
    const linted = run(buf, ["lint"]);
    expect(linted.status, `buf lint failed:\n${linted.output}`).toBe(0);
  });
});
