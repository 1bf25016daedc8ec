/**
 * The dispatcher's claims: the real SQLite store (on a temp file), the real
 * dispatcher, a caller that answers at once. Deliveries that wait in the store
 * are claimed as the attempt before them records its outcome, so the claim
 * and the outcome share one group commit.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { newDeliveryId } from "../../server/domain/delivery.js";
import { createCircuitBreakers } from "../../server/engine/circuit-breaker.js";
import { createDispatcher } from "../../server/engine/dispatcher.js";
import type { HttpCaller } from "../../server/engine/http-caller.js";
import type { Router } from "../../server/engine/router.js";
import { createSqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import type { Store } from "../../server/store/store.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the dispatcher", () => {
  it("claims the next waiting delivery while the attempt before it records its outcome", async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-dispatcher-claims-"));
    const real: Store = await createSqliteStore({ path: path.join(directory, "db.sqlite") });
    // Three callbacks waiting in the store, written before the dispatcher runs.
    for (const index of [1, 2, 3]) {
      await real.append({
        actor: { resourceOwner: "default", subject: "test" },
        events: [],
        expectations: [],
        deliveries: [{ id: newDeliveryId(), kind: "callback", endpoint: `http://127.0.0.1:9/callback-${index}`, body: "{}" }],
      });
    }
    // The order of the dispatcher's writes (the store itself stays real).
    const log: string[] = [];
    const store: Store = {
      ...real,
      claimDueDeliveries: async (...args) => {
        const claimed = await real.claimDueDeliveries(...args);
        log.push(`claimed ${claimed.map((due) => due.delivery.endpoint.slice(-1)).join(",") || "nothing"}`);
        return claimed;
      },
      recordDeliveryOutcome: async (outcome) => {
        const endpoint = (await real.getDelivery("default", outcome.deliveryId))?.endpoint.slice(-1);
        log.push(`recording ${endpoint}`);
        const recorded = await real.recordDeliveryOutcome(outcome);
        log.push(`recorded ${endpoint}`);
        return recorded;
      },
    };
    const caller: HttpCaller = { call: async () => ({ ok: true, status: 204, latencyMs: 1, headers: {} }), close: async () => {} };
    const dispatcher = createDispatcher({
      store,
      router: {} as Router,
      caller,
      breakers: createCircuitBreakers(),
      schedule: [1_000],
      concurrency: 1,
      leaseMs: 30_000,
      pollMs: 60_000,
      callbackSigningKeys: () => ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    });
    dispatcher.start();
    cleanups.push(async () => {
      await dispatcher.stop(1_000);
      await real.close();
      fs.rmSync(directory, { recursive: true, force: true });
    });

    await expect.poll(() => log.filter((line) => line.startsWith("recorded")).length).toBe(3);

    // Each claim after the first was made while the outcome before it was being written: one commit for both.
    expect(log.slice(0, 8)).toEqual([
      "claimed 1",
      "recording 1",
      "claimed 2",
      "recorded 1",
      "recording 2",
      "claimed 3",
      "recorded 2",
      "recording 3",
    ]);
    expect((await real.listDeliveries("default", {}, { offset: 0, limit: 10, asc: true })).items.map((item) => item.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
  });
});
