import { describe, expect, it } from "vitest";
import type { NewEvent, StoredEvent } from "../../server/domain/events.js";
import {
  type Target,
  type TargetSpec,
  decideCreateTarget,
  decideDisableTarget,
  decideRemoveTarget,
  decideUpdateTarget,
  evolveTarget,
  targetSecretFields,
} from "../../server/domain/target.js";

const spec: TargetSpec = {
  name: "billing hook",
  endpoint: "https://hooks.example.com/billing",
  timeoutMs: 10_000,
  targetType: { kind: "webhook", interruptOnError: true },
  payloadType: "json",
};

function existingTarget(overrides: Partial<Target> = {}): Target {
  return {
    id: "tgt_1",
    ...spec,
    signingKey: "whsec_current",
    createdAt: new Date("2026-01-01T00:00:00Z"),
    details: { sequence: 3n, changeDate: new Date("2026-01-02T00:00:00Z"), resourceOwner: "default" },
    state: "active",
    ...overrides,
  };
}

describe("decideCreateTarget", () => {
  it("emits target.added with the spec and the signing key", () => {
    // when
    const events = decideCreateTarget("tgt_1", spec, "whsec_abc");

    // then
    expect(events).toEqual([
      {
        aggregateType: "target",
        aggregateId: "tgt_1",
        type: "target.added",
        payload: {
          name: "billing hook",
          endpoint: "https://hooks.example.com/billing",
          timeoutMs: 10_000,
          targetType: { kind: "webhook", interruptOnError: true },
          payloadType: "json",
          signingKey: "whsec_abc",
        },
      },
    ]);
  });

  it("keeps the signing key among the secret fields", () => {
    expect(targetSecretFields).toContain("signingKey");
    expect(targetSecretFields).toContain("previousSigningKey");
  });
});

describe("decideUpdateTarget", () => {
  it("emits nothing for an empty change", () => {
    expect(decideUpdateTarget(existingTarget(), {})).toEqual([]);
  });

  it("emits nothing when every given field equals the current one", () => {
    // given
    const current = existingTarget();

    // when
    const events = decideUpdateTarget(current, { ...spec, targetType: { kind: "webhook", interruptOnError: true } });

    // then
    expect(events).toEqual([]);
  });

  it("emits target.changed with only the fields that differ", () => {
    // given
    const current = existingTarget();

    // when
    const events = decideUpdateTarget(current, {
      name: "billing hook",
      endpoint: "https://hooks.example.com/billing/v2",
      timeoutMs: 10_000,
      payloadType: "jwt",
    });

    // then
    expect(events).toEqual([
      {
        aggregateType: "target",
        aggregateId: "tgt_1",
        type: "target.changed",
        payload: { endpoint: "https://hooks.example.com/billing/v2", payloadType: "jwt" },
      },
    ]);
  });

  it.each([
    ["name", { name: "renamed" }],
    ["endpoint", { endpoint: "http://other.example.com/" }],
    ["timeoutMs", { timeoutMs: 270_000 }],
    ["payloadType", { payloadType: "jwt" as const }],
  ])("emits a change of %s alone", (field, change) => {
    const [event] = decideUpdateTarget(existingTarget(), change);
    expect(event?.type).toBe("target.changed");
    expect(Object.keys(event?.payload ?? {})).toEqual([field]);
    expect(event?.payload).toEqual(change);
  });

  it("emits a target type change when interruptOnError flips", () => {
    const events = decideUpdateTarget(existingTarget(), { targetType: { kind: "webhook", interruptOnError: false } });
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toEqual({ targetType: { kind: "webhook", interruptOnError: false } });
  });

  it("emits a target type change when the kind changes but the flag does not", () => {
    const events = decideUpdateTarget(existingTarget(), { targetType: { kind: "call", interruptOnError: true } });
    expect(events[0]?.payload).toEqual({ targetType: { kind: "call", interruptOnError: true } });
  });

  it("emits a target type change from webhook to async", () => {
    const events = decideUpdateTarget(existingTarget(), { targetType: { kind: "async" } });
    expect(events[0]?.payload).toEqual({ targetType: { kind: "async" } });
  });

  it("emits nothing for async to async", () => {
    const current = existingTarget({ targetType: { kind: "async" } });
    expect(decideUpdateTarget(current, { targetType: { kind: "async" } })).toEqual([]);
  });

  it("rotates the key, keeping the current one as previous until the given time", () => {
    // given
    const current = existingTarget({ signingKey: "whsec_old" });
    const previousKeyExpiresAt = new Date("2026-03-01T12:00:00Z");

    // when
    const events = decideUpdateTarget(current, { rotation: { newKey: "whsec_new", previousKeyExpiresAt } });

    // then
    expect(events).toEqual([
      {
        aggregateType: "target",
        aggregateId: "tgt_1",
        type: "target.changed",
        payload: {
          signingKey: "whsec_new",
          previousSigningKey: "whsec_old",
          previousSigningKeyExpiresAt: "2026-03-01T12:00:00.000Z",
        },
      },
    ]);
  });

  it("rotates even when no other field changes, and combines with field changes", () => {
    const events = decideUpdateTarget(existingTarget(), {
      name: "billing hook",
      timeoutMs: 5_000,
      rotation: { newKey: "whsec_new", previousKeyExpiresAt: new Date("2026-03-01T00:00:00Z") },
    });
    expect(events).toHaveLength(1);
    expect(events[0]?.payload).toEqual({
      timeoutMs: 5_000,
      signingKey: "whsec_new",
      previousSigningKey: "whsec_current",
      previousSigningKeyExpiresAt: "2026-03-01T00:00:00.000Z",
    });
  });

  it("replaces an older previous key on a second rotation", () => {
    const current = existingTarget({
      signingKey: "whsec_second",
      previousSigningKey: "whsec_first",
      previousSigningKeyExpiresAt: new Date("2026-02-01T00:00:00Z"),
    });
    const [event] = decideUpdateTarget(current, {
      rotation: { newKey: "whsec_third", previousKeyExpiresAt: new Date("2026-02-02T00:00:00Z") },
    });
    expect(event?.payload).toMatchObject({ signingKey: "whsec_third", previousSigningKey: "whsec_second" });
  });
});

describe("decideRemoveTarget", () => {
  it("emits target.removed with an empty payload", () => {
    expect(decideRemoveTarget("tgt_1")).toEqual([
      { aggregateType: "target", aggregateId: "tgt_1", type: "target.removed", payload: {} },
    ]);
  });
});

describe("decideUpdateTarget with a state", () => {
  it("disables an active target with the operator's reason", () => {
    expect(decideUpdateTarget(existingTarget(), { state: "disabled" })).toEqual([
      {
        aggregateType: "target",
        aggregateId: "tgt_1",
        type: "target.disabled",
        payload: { reason: "disabled by an operator" },
      },
    ]);
  });

  it("enables a disabled target", () => {
    // given
    const current = existingTarget({ state: "disabled", disabledReason: "answered 410 Gone to delivery msg_1" });

    // when
    const events = decideUpdateTarget(current, { state: "active" });

    // then
    expect(events).toEqual([{ aggregateType: "target", aggregateId: "tgt_1", type: "target.enabled", payload: {} }]);
  });

  it.each([
    ["active", existingTarget()],
    ["disabled", existingTarget({ state: "disabled", disabledReason: "answered 410 Gone to delivery msg_1" })],
  ] as const)("emits nothing when the target is %s already", (state, current) => {
    expect(decideUpdateTarget(current, { state })).toEqual([]);
  });

  it("emits the state event after target.changed when both change", () => {
    const events = decideUpdateTarget(existingTarget(), { name: "renamed", state: "disabled" });
    expect(events.map((event) => [event.type, event.payload])).toEqual([
      ["target.changed", { name: "renamed" }],
      ["target.disabled", { reason: "disabled by an operator" }],
    ]);
  });

  it("emits only the field change when the state is unchanged", () => {
    const events = decideUpdateTarget(existingTarget(), { timeoutMs: 1_000, state: "active" });
    expect(events.map((event) => event.type)).toEqual(["target.changed"]);
  });
});

describe("decideDisableTarget", () => {
  it("emits target.disabled with the reason", () => {
    expect(decideDisableTarget(existingTarget(), "answered 410 Gone to delivery msg_1")).toEqual([
      {
        aggregateType: "target",
        aggregateId: "tgt_1",
        type: "target.disabled",
        payload: { reason: "answered 410 Gone to delivery msg_1" },
      },
    ]);
  });

  it("emits nothing when the target is disabled already, keeping the first reason", () => {
    const current = existingTarget({ state: "disabled", disabledReason: "disabled by an operator" });
    expect(decideDisableTarget(current, "answered 410 Gone to delivery msg_2")).toEqual([]);
  });
});

describe("evolveTarget", () => {
  let position = 0n;
  /** `event` as the store would keep it, at sequence `sequence`. */
  function stored(event: NewEvent, sequence: bigint): StoredEvent {
    position++;
    return {
      ...event,
      position,
      sequence,
      resourceOwner: "default",
      creator: "tester",
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, Number(sequence))),
    };
  }

  it("starts active, disables with the reason and enables without one", () => {
    // given
    const added = evolveTarget(undefined, stored(decideCreateTarget("tgt_1", spec, "whsec_abc")[0]!, 1n));

    // when
    const disabled = evolveTarget(added, stored(decideDisableTarget(added!, "answered 410 Gone to delivery msg_1")[0]!, 2n));
    const enabled = evolveTarget(disabled, stored(decideUpdateTarget(disabled!, { state: "active" })[0]!, 3n));

    // then
    expect(added).toMatchObject({ state: "active", details: { sequence: 1n } });
    expect(added).not.toHaveProperty("disabledReason");
    expect(disabled).toMatchObject({
      ...spec,
      state: "disabled",
      disabledReason: "answered 410 Gone to delivery msg_1",
      details: { sequence: 2n },
    });
    expect(enabled).toMatchObject({ ...spec, state: "active", details: { sequence: 3n } });
    expect(enabled).not.toHaveProperty("disabledReason");
  });

  it("leaves a removed target removed", () => {
    const disabled = { aggregateType: "target", aggregateId: "tgt_1", type: "target.disabled", payload: { reason: "x" } };
    const event = stored(disabled, 4n);
    expect(evolveTarget(undefined, event)).toBeUndefined();
  });
});
