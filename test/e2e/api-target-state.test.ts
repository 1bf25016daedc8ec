/**
 * Target state end to end over Connect JSON: disable and re-enable through
 * UpdateTarget, the state and its reason in Get/List, the events that record
 * it, and the dispatcher's disable (410 Gone) as operators see it.
 */
import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { fromBinary } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { createTargetCommands } from "../../server/commands/target-commands.js";
import { createTarget, listEvents, uniqueName } from "../support/api-fixtures.js";
import { type JsonReply, getJson, postJson } from "../support/clients.js";
import { useServer } from "../support/use-server.js";

const server = useServer("each");

async function updateTarget(body: Record<string, unknown>): Promise<JsonReply> {
  const reply = await postJson(server.baseUrl, "TargetService/UpdateTarget", body);
  expect(reply.status, reply.text).toBe(200);
  return reply;
}

async function shownTarget(id: string): Promise<any> {
  const reply = await getJson(server.baseUrl, "TargetService/GetTarget", { id });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.target;
}

/** The rule ids of the buf.validate.Violations detail of a Connect JSON error. */
function violatedRules(reply: JsonReply): string[] {
  const details = (reply.body?.details ?? []) as { type: string; value: string }[];
  const detail = details.find((candidate) => candidate.type === "buf.validate.Violations");
  if (!detail) throw new Error(`no violations in ${reply.text}`);
  return fromBinary(ViolationsSchema, base64Decode(detail.value)).violations.map((violation) => violation.ruleId);
}

describe("target state", () => {
  it("is active when created", async () => {
    // given
    const created = await createTarget(server.baseUrl, uniqueName("fresh"));

    // when
    const shown = await shownTarget(created.id);

    // then
    expect(shown.state).toBe("TARGET_STATE_ACTIVE");
    expect(shown).not.toHaveProperty("disabledReason");
  });

  it("is disabled and re-enabled by UpdateTarget, with target.disabled and target.enabled in the event log", async () => {
    // given
    const created = await createTarget(server.baseUrl, uniqueName("toggled"));

    // when
    const disabled = await updateTarget({ id: created.id, state: "TARGET_STATE_DISABLED" });

    // then
    expect(disabled.body.details.sequence).toBe("2");
    expect(await shownTarget(created.id)).toMatchObject({
      state: "TARGET_STATE_DISABLED",
      disabledReason: "disabled by an operator",
      details: disabled.body.details,
    });

    // when
    const enabled = await updateTarget({ id: created.id, state: "TARGET_STATE_ACTIVE", expectedSequence: "2" });

    // then
    expect(enabled.body.details.sequence).toBe("3");
    const shown = await shownTarget(created.id);
    expect(shown).toMatchObject({ state: "TARGET_STATE_ACTIVE", details: enabled.body.details });
    expect(shown).not.toHaveProperty("disabledReason");
    const { events } = await listEvents(server.baseUrl, { filter: { aggregateId: created.id } });
    expect(events.map((event) => [event.type, event.payload ?? {}])).toEqual([
      ["target.added", expect.any(Object)],
      ["target.disabled", { reason: "disabled by an operator" }],
      ["target.enabled", {}],
    ]);
  });

  it("writes no event when the state is unchanged", async () => {
    // given
    const created = await createTarget(server.baseUrl, uniqueName("steady"));

    // when
    const again = await updateTarget({ id: created.id, state: "TARGET_STATE_ACTIVE" });

    // then
    expect(again.body).toEqual({ details: created.details });
    const { events } = await listEvents(server.baseUrl, { filter: { aggregateId: created.id } });
    expect(events.map((event) => event.type)).toEqual(["target.added"]);
  });

  it("records a field change and the state as two events, answering the details of the last", async () => {
    // given
    const created = await createTarget(server.baseUrl, uniqueName("both"));

    // when
    const updated = await updateTarget({ id: created.id, timeout: "7s", state: "TARGET_STATE_DISABLED" });

    // then
    expect(updated.body.details.sequence).toBe("3");
    expect(await shownTarget(created.id)).toMatchObject({ timeout: "7s", state: "TARGET_STATE_DISABLED" });
    const { events } = await listEvents(server.baseUrl, { filter: { aggregateId: created.id } });
    expect(events.map((event) => event.type)).toEqual(["target.added", "target.changed", "target.disabled"]);
  });

  it("shows the dispatcher's reason, in ListTargets too, until an operator re-enables the target", async () => {
    // given
    const gone = await createTarget(server.baseUrl, uniqueName("gone"));
    const other = await createTarget(server.baseUrl, uniqueName("other"));
    const commands = createTargetCommands({ store: server.store, signingKeyOverlapMs: 60_000 });
    const actor = { resourceOwner: "default", subject: "dispatcher" };

    // when: a delivery answered 410 Gone, twice
    await commands.disableTarget(actor, gone.id, "answered 410 Gone to delivery msg_1");
    await commands.disableTarget(actor, gone.id, "answered 410 Gone to delivery msg_2");

    // then
    const listed = await postJson(server.baseUrl, "TargetService/ListTargets", {
      filters: [{ inTargetIdsFilter: { targetIds: [gone.id, other.id] } }],
      sortingColumn: "TARGET_FIELD_NAME_CREATION_DATE",
      pagination: { asc: true },
    });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.targets.map((target: any) => [target.state, target.disabledReason])).toEqual([
      ["TARGET_STATE_DISABLED", "answered 410 Gone to delivery msg_1"],
      ["TARGET_STATE_ACTIVE", undefined],
    ]);
    const { events } = await listEvents(server.baseUrl, { filter: { aggregateId: gone.id } });
    expect(events.map((event) => event.type)).toEqual(["target.added", "target.disabled"]);

    // when
    await updateTarget({ id: gone.id, state: "TARGET_STATE_ACTIVE" });

    // then
    expect(await shownTarget(gone.id)).toMatchObject({ state: "TARGET_STATE_ACTIVE", details: { sequence: "3" } });
  });

  it.each([
    ["unspecified", "TARGET_STATE_UNSPECIFIED", "enum.not_in"],
    ["an undefined number", 7, "enum.defined_only"],
  ])("refuses an %s state with INVALID_ARGUMENT and changes nothing", async (_, state, ruleId) => {
    // given
    const created = await createTarget(server.baseUrl, uniqueName("invalid"));

    // when
    const reply = await postJson(server.baseUrl, "TargetService/UpdateTarget", { id: created.id, state });

    // then
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.code).toBe("invalid_argument");
    expect(violatedRules(reply)).toContain(ruleId);
    expect(await shownTarget(created.id)).toMatchObject({ state: "TARGET_STATE_ACTIVE", details: created.details });
  });
});
