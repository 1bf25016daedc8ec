/** Which event payload fields are secrets, and the payload as it may leave the server. */
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../server/domain/events.js";
import { publicPayload, secretFieldsOf } from "../../server/domain/secret-fields.js";

const event = (aggregateType: string, payload: Record<string, unknown>): StoredEvent => ({
  aggregateType,
  aggregateId: "a1",
  type: `${aggregateType}.changed`,
  payload,
  position: 1n,
  sequence: 1n,
  resourceOwner: "o",
  creator: "s",
  createdAt: new Date(0),
});

describe("publicPayload", () => {
  it("redacts a target's signing keys and leaves the other fields", () => {
    const payload = publicPayload(event("target", { name: "hook", signingKey: "whsec_a", previousSigningKey: "whsec_b" }));

    expect(payload).toEqual({ name: "hook", signingKey: "[redacted]", previousSigningKey: "[redacted]" });
  });

  it("leaves pushed events alone, also those whose aggregate type names an Object property", () => {
    for (const type of ["order", "constructor", "__proto__", "toString"]) {
      expect(secretFieldsOf(type)).toEqual([]);
      expect(publicPayload(event(type, { signingKey: "mine" }))).toEqual({ signingKey: "mine" });
    }
  });
});
