/**
 * TargetService end to end: the Connect JSON wire shapes byte for byte (fetch,
 * like curl), and create, get, update and key rotation through fetch and grpc-js.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTarget,
  expectJsonError,
  isoUtc,
  listEvents,
  targetRequest,
  uniqueName,
} from "../support/api-fixtures.js";
import { type GrpcClients, createGrpcClients, getJson, grpcUnary, postJson } from "../support/clients.js";
import { type RunningServer, startServer } from "../support/start-server.js";

let server: RunningServer;
let grpc: GrpcClients;

beforeAll(async () => {
  server = await startServer();
  grpc = createGrpcClients(server.port);
});

afterAll(async () => {
  grpc?.close();
  await server?.close();
});

const signingKeyShape = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

function signingKeyBytes(key: string): number {
  return Buffer.from(key.slice("whsec_".length), "base64").length;
}

describe("CreateTarget and GetTarget over Connect JSON", () => {
  it("answer exactly the documented shapes, and Get never shows the signing key", async () => {
    // when
    const created = await postJson(server.baseUrl, "TargetService/CreateTarget", {
      name: "audit",
      endpoint: "http://127.0.0.1:9000/hook",
      timeout: "5s",
      restWebhook: { interruptOnError: true },
    });

    // then
    expect(created.status, created.text).toBe(200);
    expect(created.headers.get("content-type")).toBe("application/json");
    expect(Object.keys(created.body).sort()).toEqual(["details", "id", "signingKey"]);
    const { id, details, signingKey } = created.body;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(details).toEqual({ sequence: "1", changeDate: expect.stringMatching(isoUtc), resourceOwner: "default" });
    expect(signingKey).toMatch(signingKeyShape);
    expect(signingKeyBytes(signingKey)).toBeGreaterThanOrEqual(24);

    // when
    const byPost = await postJson(server.baseUrl, "TargetService/GetTarget", { id });
    const byGet = await getJson(server.baseUrl, "TargetService/GetTarget", { id });

    // then
    expect(byPost.status, byPost.text).toBe(200);
    expect(byPost.body).toEqual({
      target: {
        id,
        name: "audit",
        endpoint: "http://127.0.0.1:9000/hook",
        timeout: "5s",
        restWebhook: { interruptOnError: true },
        payloadType: "PAYLOAD_TYPE_JSON",
        creationDate: details.changeDate,
        details,
        state: "TARGET_STATE_ACTIVE",
      },
    });
    expect(byGet.status, byGet.text).toBe(200);
    expect(byGet.body).toEqual(byPost.body);
    for (const text of [byPost.text, byGet.text]) {
      expect(text).not.toContain("signingKey");
      expect(text).not.toContain("whsec_");
      expect(text).not.toContain(signingKey.slice(6));
    }
  });

  it("store each target type and payload type as given", async () => {
    // given
    const call = await createTarget(server.baseUrl, uniqueName("call"), {
      restWebhook: undefined,
      restCall: { interruptOnError: true },
      timeout: "270s",
      payloadType: "PAYLOAD_TYPE_JWT",
    });
    const quietCall = await createTarget(server.baseUrl, uniqueName("quiet-call"), {
      restWebhook: undefined,
      restCall: { interruptOnError: false },
      timeout: "0.250s",
    });
    const async = await createTarget(server.baseUrl, uniqueName("async"), {
      restWebhook: undefined,
      restAsync: {},
      endpoint: "https://hooks.example.com/in?x=1",
    });

    // when
    const [shownCall, shownQuiet, shownAsync] = await Promise.all(
      [call, quietCall, async].map(({ id }) => getJson(server.baseUrl, "TargetService/GetTarget", { id })),
    );

    // then
    expect(shownCall!.body.target).toMatchObject({
      restCall: { interruptOnError: true },
      timeout: "270s",
      payloadType: "PAYLOAD_TYPE_JWT",
    });
    expect(shownQuiet!.body.target).toMatchObject({ restCall: {}, timeout: "0.250s" });
    expect(shownAsync!.body.target).toMatchObject({ restAsync: {}, endpoint: "https://hooks.example.com/in?x=1" });
    for (const shown of [shownCall!, shownQuiet!, shownAsync!]) {
      const types = ["restWebhook", "restCall", "restAsync"].filter((key) => key in shown.body.target);
      expect(types).toHaveLength(1);
    }
  });

  it("refuse a second target with the same name: ALREADY_EXISTS target_name_taken", async () => {
    // given
    const name = uniqueName("taken");
    await createTarget(server.baseUrl, name);
    const other = await createTarget(server.baseUrl, uniqueName("other"));

    // when
    const duplicate = await postJson(server.baseUrl, "TargetService/CreateTarget", targetRequest(name));
    const renamed = await postJson(server.baseUrl, "TargetService/UpdateTarget", { id: other.id, name });

    // then
    expect(expectJsonError(duplicate, 409, "already_exists", "target_name_taken").metadata).toEqual({ name });
    expectJsonError(renamed, 409, "already_exists", "target_name_taken");
    const named = await postJson(server.baseUrl, "TargetService/ListTargets", {
      filters: [{ targetNameFilter: { targetName: name } }],
    });
    expect(named.body.pagination.totalResult).toBe("1");
  });
});

describe("UpdateTarget", () => {
  it("changes only the fields that are set (grpc-js), and an identical update writes nothing", async () => {
    // given
    const name = uniqueName("partial");
    const created = await createTarget(server.baseUrl, name);

    // when
    const { response: updated } = await grpcUnary<{ details: { sequence: string } }>(grpc.targets, "UpdateTarget", {
      id: created.id,
      endpoint: "https://changed.example.com/hook",
      timeout: { seconds: "30", nanos: 0 },
    });

    // then
    expect(updated.details.sequence).toBe("2");
    const shown = (await getJson(server.baseUrl, "TargetService/GetTarget", { id: created.id })).body.target;
    expect(shown).toMatchObject({
      name,
      endpoint: "https://changed.example.com/hook",
      timeout: "30s",
      restWebhook: { interruptOnError: true },
      payloadType: "PAYLOAD_TYPE_JSON",
      details: { sequence: "2" },
    });

    // when
    const again = await postJson(server.baseUrl, "TargetService/UpdateTarget", {
      id: created.id,
      endpoint: "https://changed.example.com/hook",
      restWebhook: { interruptOnError: true },
    });

    // then
    expect(again.status, again.text).toBe(200);
    expect(again.body).toEqual({ details: shown.details });
    const events = await listEvents(server.baseUrl, { filter: { aggregateId: created.id } });
    expect(events.events.map((event) => event.type)).toEqual(["target.added", "target.changed"]);
    expect(events.events[1]!.payload).toEqual({ endpoint: "https://changed.example.com/hook", timeoutMs: 30000 });
  });

  it("rotates the signing key and shows when the previous one expires", async () => {
    // given
    const created = await createTarget(server.baseUrl, uniqueName("rotate"));
    const before = Date.now();

    // when
    const rotated = await postJson(server.baseUrl, "TargetService/UpdateTarget", {
      id: created.id,
      rotateSigningKey: true,
    });
    const shortOverlap = await postJson(server.baseUrl, "TargetService/UpdateTarget", {
      id: created.id,
      rotateSigningKey: true,
      signingKeyOverlap: "60s",
    });

    // then
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.details.sequence).toBe("2");
    expect(rotated.body.signingKey).toMatch(signingKeyShape);
    expect(rotated.body.signingKey).not.toBe(created.signingKey);
    expect(shortOverlap.body.signingKey).toMatch(signingKeyShape);
    expect(shortOverlap.body.signingKey).not.toBe(rotated.body.signingKey);
    const shown = await getJson(server.baseUrl, "TargetService/GetTarget", { id: created.id });
    const expiresAt = Date.parse(shown.body.target.previousSigningKeyExpiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000 + 1000);
    expect(shown.text).not.toContain("whsec_");

    // when: an update without rotation answers no key
    const plain = await postJson(server.baseUrl, "TargetService/UpdateTarget", { id: created.id, name: uniqueName("r") });
    expect(plain.body).toEqual({ details: expect.objectContaining({ sequence: "4" }) });
  });
});
