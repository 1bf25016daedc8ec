/**
 * Browser tests: Debian's chromium driven by playwright-core (no browser
 * download), the admin page built from the current sources, screenshots kept
 * as test artifacts.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Browser, type Page, chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Where screenshots go (gitignored; CI may upload the folder). */
export const screenshotDir = join(root, "test-artifacts", "screenshots");

/** The development key that `startServer` (development mode) accepts. */
export const devToken = "sy_dev_switchyard";

/**
 * The chromium to drive: `$CHROMIUM_PATH`, else `chromium` on the PATH
 * (`/usr/bin/chromium` on Debian). Throws, never skips: .ci/run installs it.
 */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, ...(process.env.PATH ?? "").split(delimiter).map((dir) => dir && join(dir, "chromium")), "/usr/bin/chromium"];
  const found = candidates.find((candidate): candidate is string => !!candidate && existsSync(candidate));
  if (!found) {
    throw new Error("chromium not found (looked at $CHROMIUM_PATH, the PATH and /usr/bin/chromium): apt-get install chromium, as .ci/run does");
  }
  return found;
}

/** Launches headless chromium. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox"], headless: true });
}

/** A fresh build of the admin page in a temp directory (so tests never see a stale web/dist). */
export async function buildAdminPage(): Promise<{ readonly root: string; remove(): void }> {
  const out = mkdtempSync(join(tmpdir(), "switchyard-web-"));
  await promisify(execFile)(process.execPath, [join(root, "scripts", "build-web.mjs"), "--out", out], { cwd: root });
  return { root: out, remove: () => rmSync(out, { recursive: true, force: true }) };
}

/** Saves a full-page screenshot as `test-artifacts/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Opens `path` and pastes the token into the header's token field (kept for the tab). */
export async function signIn(page: Page, baseUrl: string, path = "/targets", token = devToken): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Use token" }).click();
  await page.getByRole("button", { name: "Forget" }).waitFor();
}
