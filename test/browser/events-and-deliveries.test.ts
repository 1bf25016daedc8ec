/**
 * The admin page in a real browser: an event execution built in the page, an
 * event pushed and seen in the live tail, its delivery's attempts (a failed
 * one, then a success) and a redelivery; the condition builder's four kinds;
 * a batch watched to the end.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SwitchyardClient, createSwitchyardClient } from "../../client/index.js";
import { buildAdminPage, devToken, launchBrowser, screenshot, signIn } from "../support/browser.js";
import { type Sink, startSink } from "../support/sink.js";
import { type RunningServer, startServer } from "../support/start-server.js";

describe("admin page: events, deliveries, executions and batches", { timeout: 60_000 }, () => {
  let web: Awaited<ReturnType<typeof buildAdminPage>>;
  let browser: Browser;
  let server: RunningServer;
  let sink: Sink;
  let context: BrowserContext;
  let page: Page;
  let client: SwitchyardClient;

  beforeAll(async () => {
    [web, browser] = await Promise.all([buildAdminPage(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    web?.remove();
  });
  async function given(): Promise<void> {
    server = await startServer({ webRoot: web.root, config: { deliverySchedule: [200, 200, 200] } });
    sink = await startSink();
    client = createSwitchyardClient({ baseUrl: server.baseUrl, token: devToken });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await signIn(page, server.baseUrl);
  }
  afterEach(async () => {
    await context?.close();
    await sink?.close();
    await server?.close();
  });

  async function createTarget(name: string, kind: "restWebhook" | "restCall"): Promise<string> {
    const { id } = await client.targets.createTarget({ name, endpoint: sink.url, timeout: { seconds: 5n }, targetType: { case: kind, value: {} } });
    return id;
  }

  it("delivers a pushed event to an event execution and shows every attempt of the delivery", async () => {
    await given();
    let calls = 0;
    sink.answer(() => (++calls === 1 ? { status: 503, json: { error: "warming up" } } : { json: { ok: true } }));
    await createTarget("order events", "restWebhook");

    await page.goto(`${server.baseUrl}/executions/edit`);
    await page.getByLabel("Event", { exact: true }).check();
    await page.getByLabel("A group (prefix)").check();
    await page.getByLabel("Group", { exact: true }).fill("order");
    await page.getByRole("button", { name: "Add target" }).click();
    await page.getByRole("button", { name: "Save execution" }).click();
    await page.getByRole("link", { name: "event · group order", exact: true }).waitFor();

    await page.getByRole("link", { name: "Events" }).click();
    await page.getByText(/^Live:/).waitFor();
    const push = page.getByRole("form", { name: "Push an event" });
    await push.getByLabel("Type", { exact: true }).fill("order.placed");
    await push.getByLabel("Aggregate type").fill("order");
    await push.getByLabel("Aggregate ID").fill("42");
    await push.getByLabel("Payload (JSON object)").fill('{"total": 12.5}');
    await push.getByRole("button", { name: "Push event" }).click();
    await page.getByRole("cell", { name: "order.placed" }).waitFor();
    await screenshot(page, "events");

    await page.getByRole("link", { name: "Deliveries" }).click();
    await page.getByRole("cell", { name: "order events" }).waitFor();
    await screenshot(page, "deliveries");
    await page.getByRole("link", { name: /^Delivery msg_/ }).click();
    await page.getByTestId("delivery-status").getByText("succeeded").waitFor();
    const attempts = page.getByRole("table", { name: "Attempts" }).locator("tbody tr");
    await expect.poll(() => attempts.count()).toBe(2);
    await expect(attempts.nth(0).textContent()).resolves.toContain("503");
    await expect(attempts.nth(1).textContent()).resolves.toContain("200");
    await screenshot(page, "delivery");

    await page.getByRole("button", { name: "Redeliver" }).click();
    await expect.poll(() => attempts.count(), { timeout: 10_000 }).toBe(3);
    await page.getByTestId("delivery-status").getByText("succeeded").waitFor();
    expect(sink.requests).toHaveLength(3);
    expect(new Set(sink.requests.map((request) => request.headers["webhook-id"])).size).toBe(1);
  });

  it("builds request, response, function, include and event conditions", async () => {
    await given();
    await createTarget("observer", "restWebhook");
    const builder = async (kind: string, choose: () => Promise<unknown>) => {
      await page.goto(`${server.baseUrl}/executions/edit`);
      await page.getByLabel(kind, { exact: true }).check();
      await choose();
      await page.getByRole("button", { name: "Add target" }).click();
      await page.getByRole("button", { name: "Save execution" }).click();
      await page.getByRole("heading", { name: "Executions" }).waitFor();
    };
    await builder("Request of an RPC", () => page.getByLabel("Method", { exact: true }).selectOption("/switchyard.v1.JobService/GetJob"));
    await builder("Response of an RPC", async () => {
      await page.getByLabel("A whole service").check();
      await page.getByLabel("Service", { exact: true }).selectOption("switchyard.v1.EventService");
    });
    await builder("Function (jobs)", () => page.getByLabel("Function name").fill("f1"));
    await builder("Event", () => page.getByLabel("All", { exact: true }).last().check());

    await page.goto(`${server.baseUrl}/executions/edit`);
    await page.getByLabel("Function (jobs)").check();
    await page.getByLabel("Function name").fill("f2");
    await page.getByLabel("Include the targets of").selectOption({ label: "function · f1" });
    await page.getByRole("button", { name: "Add include" }).click();
    await page.getByRole("button", { name: "Save execution" }).click();
    await page.getByRole("heading", { name: "Executions" }).waitFor();

    // The heading is drawn before the list arrives: wait for the list itself.
    await expect.poll(async () => (await page.locator("tbody tr td:first-child").allTextContents()).sort()).toEqual(["event · all", "function · f1", "function · f2", "request · /switchyard.v1.JobService/GetJob", "response · service switchyard.v1.EventService"]);
    await screenshot(page, "executions-all-kinds");

    await page.getByRole("link", { name: "event · all", exact: true }).click();
    await page.getByRole("heading", { name: "Execution: event · all" }).waitFor();
    // The condition is the execution's key: shown, not editable.
    await expect(page.getByLabel("Event", { exact: true }).isDisabled()).resolves.toBe(true);
    await expect(page.getByLabel("Event", { exact: true }).isChecked()).resolves.toBe(true);
    await page.getByRole("button", { name: "Delete event · all" }).click();
    await page.getByRole("button", { name: "Confirm: delete event · all" }).click();
    await page.getByRole("heading", { name: "Executions" }).waitFor();
    await page.getByRole("link", { name: "function · f1", exact: true }).waitFor();
    await expect(page.getByRole("link", { name: "event · all", exact: true }).count()).resolves.toBe(0);
  });

  it("runs a batch and follows its progress bar to the end", async () => {
    await given();
    sink.answer((request) => ({ json: { doubled: 2 * Number((JSON.parse(request.body) as { input: { n: number } }).input.n) } }));
    const target = await createTarget("doubler", "restCall");
    await client.executions.setExecution({ condition: { conditionType: { case: "function", value: { name: "double" } } }, targets: [{ type: { case: "target", value: target } }] });

    await page.goto(`${server.baseUrl}/batches`);
    const run = page.getByRole("form", { name: "Run a batch" });
    await run.getByLabel("Function").fill("double");
    await run.getByLabel(/^Inputs/).fill('[{"n": 1}, {"n": 2}, {"n": 3}]');
    await run.getByRole("button", { name: "Run batch" }).click();
    await page.getByTestId("batch-status").getByText("succeeded").waitFor();
    await page.getByText("3 of 3 done").waitFor();
    await expect(page.getByRole("progressbar", { name: "Jobs done" }).getAttribute("aria-valuenow")).resolves.toBe("3");
    await expect.poll(() => page.getByRole("table", { name: "Batch items" }).getByText("succeeded", { exact: true }).count()).toBe(3);
    await screenshot(page, "batch");

    await page.getByRole("link", { name: "Batches" }).click();
    await page.getByRole("table", { name: "Recent batches" }).getByText("succeeded", { exact: true }).waitFor();
    await screenshot(page, "batches");
  });
});
