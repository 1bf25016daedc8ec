/**
 * The admin page in a real browser against a real server and a real sink:
 * targets (create, edit, rotate, delete, violations next to fields),
 * a function execution built in the page, a job watched to SUCCEEDED.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildAdminPage, launchBrowser, screenshot, signIn } from "../support/browser.js";
import { type Sink, startSink } from "../support/sink.js";
import { type RunningServer, startServer } from "../support/start-server.js";

describe("admin page: targets, executions and jobs", { timeout: 60_000 }, () => {
  let web: Awaited<ReturnType<typeof buildAdminPage>>;
  let browser: Browser;
  let server: RunningServer;
  let sink: Sink;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [web, browser] = await Promise.all([buildAdminPage(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    web?.remove();
  });
  beforeEach(async () => {
    server = await startServer({ webRoot: web.root });
    sink = await startSink();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
    await sink?.close();
    await server?.close();
  });

  async function createTarget(name: string, type: string, endpoint = sink.url): Promise<string> {
    await page.goto(`${server.baseUrl}/targets/new`);
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Endpoint").fill(endpoint);
    await page.getByLabel("Type").selectOption(type);
    await page.getByLabel("Timeout (seconds)").fill("5");
    await page.getByRole("button", { name: "Create target" }).click();
    await page.getByRole("heading", { name: "Target created" }).waitFor();
    return (await page.locator("#signing-key").textContent()) ?? "";
  }

  it("asks for a token first, says when it is refused, and keeps a good one for the tab", async () => {
    await page.goto(`${server.baseUrl}/`);
    await expect(page.getByRole("heading", { name: "Switchyard admin" }).isVisible()).resolves.toBe(true);
    await screenshot(page, "token");
    await signIn(page, server.baseUrl, "/targets", "sy_not_a_key");
    await expect(page.getByRole("alert").textContent()).resolves.toContain("unauthenticated, invalid_token");
    await page.getByRole("button", { name: "Forget" }).click();
    await signIn(page, server.baseUrl, "/targets");
    await page.getByRole("heading", { name: "Targets" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Targets" }).waitFor();
    await expect(page.evaluate(() => sessionStorage.getItem("switchyard.token"))).resolves.toBe("sy_dev_switchyard");
  });

  it("creates a target showing its key once, shows violations next to fields, edits, rotates and deletes it", async () => {
    await signIn(page, server.baseUrl, "/targets/new");
    await page.getByLabel("Endpoint").fill("ftp://example.com/hook");
    await page.getByRole("button", { name: "Create target" }).click();
    const name = page.getByLabel("Name", { exact: true });
    await expect.poll(() => name.getAttribute("aria-invalid")).toBe("true");
    const endpointError = page.locator(".field:has(#" + (await page.getByLabel("Endpoint").getAttribute("id")) + ") .field-error");
    await expect(endpointError.textContent()).resolves.toContain("http or https");
    await expect(page.getByRole("alert").first().textContent()).resolves.toContain("invalid_argument");
    await screenshot(page, "target-violations");

    const key = await createTarget("billing hook", "restWebhook");
    expect(key).toMatch(/^whsec_/);
    await screenshot(page, "target-created");
    await page.getByRole("link", { name: "Go to the target" }).click();
    await page.getByRole("heading", { name: "billing hook" }).waitFor();
    await expect(page.locator("#signing-key").count()).resolves.toBe(0);

    await page.getByLabel("Name", { exact: true }).fill("billing webhook");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("heading", { name: "billing webhook" }).waitFor();

    await page.getByRole("button", { name: "Rotate signing key" }).click();
    const rotated = await page.locator("#signing-key").textContent();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(key);
    await screenshot(page, "target-detail");

    await page.getByRole("link", { name: "Targets", exact: true }).click();
    await page.getByRole("cell", { name: "billing webhook", exact: true }).waitFor();
    await screenshot(page, "targets");
    await page.getByRole("button", { name: "Delete billing webhook" }).click();
    await page.getByRole("button", { name: "Confirm: delete billing webhook" }).click();
    await page.getByText("No targets yet").waitFor();
  });

  it("binds two targets to a function in the order chosen, runs a job and watches it reach SUCCEEDED", async () => {
    sink.answer(() => ({ json: [{ sku: "a-1", qty: 2 }, { sku: "b-7", qty: 1 }] }));
    await signIn(page, server.baseUrl);
    await createTarget("enrich", "restCall");
    await createTarget("audit", "restWebhook");

    await page.goto(`${server.baseUrl}/executions/edit`);
    await page.getByLabel("Function (jobs)").check();
    await page.getByLabel("Function name").fill("bad name!");
    await page.getByLabel("Target", { exact: true }).selectOption({ label: "audit (webhook)" });
    await page.getByRole("button", { name: "Add target" }).click();
    await page.getByLabel("Target", { exact: true }).selectOption({ label: "enrich (call)" });
    await page.getByRole("button", { name: "Add target" }).click();
    await page.getByRole("button", { name: "Save execution" }).click();
    await expect.poll(() => page.getByLabel("Function name").getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Function name").fill("enrich");
    await page.getByRole("button", { name: "Move audit down" }).click();
    await expect.poll(() => page.locator(".ordered-item .item-label").allTextContents()).toEqual([
      expect.stringContaining("enrich"),
      expect.stringContaining("audit"),
    ]);
    await expect(page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).resolves.toBe("Move audit up");
    await page.locator(".ordered-item").nth(1).dragTo(page.locator(".ordered-item").nth(0));
    await page.getByRole("button", { name: "Move audit down" }).click();
    await screenshot(page, "execution-form");
    await page.getByRole("button", { name: "Save execution" }).click();
    await page.getByRole("heading", { name: "Executions" }).waitFor();
    // The heading is drawn before the list arrives: wait for the list itself.
    await expect.poll(() => page.locator("ol.chain li").allTextContents()).toEqual(["enrich", "audit"]);
    await screenshot(page, "executions");

    await page.getByRole("link", { name: "Jobs" }).click();
    const run = page.getByRole("form", { name: "Run a function" });
    await run.getByLabel("Function", { exact: true }).fill("enrich");
    await run.getByLabel("Input (JSON object)").fill('{"orderId": 42');
    await run.getByRole("button", { name: "Run job" }).click();
    await expect.poll(() => run.getByLabel("Input (JSON object)").getAttribute("aria-invalid")).toBe("true");
    await run.getByLabel("Input (JSON object)").fill('{"orderId": 42}');
    await run.getByRole("button", { name: "Run job" }).click();
    await page.getByTestId("job-status").getByText("succeeded").waitFor();
    await page.getByRole("tab", { name: "Table" }).waitFor();
    await page.getByRole("cell", { name: "b-7" }).waitFor();
    await screenshot(page, "job");
    await page.getByRole("tab", { name: "JSON" }).click();
    await expect(page.getByLabel("Result as JSON").textContent()).resolves.toContain('"sku": "b-7"');

    await page.getByRole("link", { name: "Jobs" }).click();
    await page.getByRole("cell", { name: "succeeded" }).first().waitFor();
    await screenshot(page, "jobs");
    expect(sink.requests.map((request) => (JSON.parse(request.body) as { function: string }).function)).toEqual(["enrich", "enrich"]);
  });
});
