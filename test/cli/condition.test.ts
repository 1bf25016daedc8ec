/**
 * Conditions on the command line: every short form reads as the Condition
 * the API documents, and prints back as the same word.
 */
import { create, toJson } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ConditionSchema } from "../../client/node.js";
import { formatCondition, parseCondition } from "../../cli/condition.js";

describe("parseCondition / formatCondition", () => {
  it.each([
    ["function:enrich", { function: { name: "enrich" } }],
    ["request:/switchyard.v1.JobService/ExecuteJob", { request: { method: "/switchyard.v1.JobService/ExecuteJob" } }],
    ["request:switchyard.v1.JobService", { request: { service: "switchyard.v1.JobService" } }],
    ["request:*", { request: { all: true } }],
    ["response:/switchyard.v1.EventService/PushEvent", { response: { method: "/switchyard.v1.EventService/PushEvent" } }],
    ["response:*", { response: { all: true } }],
    ["event:job.succeeded", { event: { event: "job.succeeded" } }],
    ["event:job.*", { event: { group: "job" } }],
    ["event:order.line.*", { event: { group: "order.line" } }],
    ["event:*", { event: { all: true } }],
  ])("%s", (word, json) => {
    const condition = create(ConditionSchema, parseCondition(word));

    expect(toJson(ConditionSchema, condition)).toEqual(json);
    expect(formatCondition(condition)).toBe(word);
  });

  it("reads the Condition's JSON too", () => {
    const condition = create(ConditionSchema, parseCondition('{"event":{"group":"job"}}'));

    expect(formatCondition(condition)).toBe("event:job.*");
  });

  it.each(["function:", "function", "anything:x", "{not json"])("refuses %j", (word) => {
    expect(() => parseCondition(word)).toThrow(/condition/);
  });
});
