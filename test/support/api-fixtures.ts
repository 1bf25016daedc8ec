/**
 * Given-steps for end-to-end tests, spoken in Connect JSON over plain fetch:
 * create the targets and executions a test needs, read events, and decode the
 * ErrorInfo of a JSON error body.
 */
import { randomBytes } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { expect } from "vitest";
import { type ErrorInfo, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { type JsonReply, postJson } from "./clients.js";

/** `prefix-` plus random lowercase hex, so names never collide between tests sharing a server. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString("hex")}`;
}

/** The body of a valid CreateTargetRequest named `name`; `extra` overrides fields. */
export function targetRequest(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    endpoint: "http://127.0.0.1:9000/hook",
    timeout: "5s",
    restWebhook: { interruptOnError: true },
    ...extra,
  };
}

/** A created target as CreateTarget answered it. */
export interface CreatedTarget {
  readonly id: string;
  readonly signingKey: string;
  readonly details: { sequence: string; changeDate: string; resourceOwner: string };
}

/** Creates a target over Connect JSON and fails the test unless it succeeded. */
export async function createTarget(baseUrl: string, name: string, extra?: Record<string, unknown>): Promise<CreatedTarget> {
  const reply = await postJson(baseUrl, "TargetService/CreateTarget", targetRequest(name, extra));
  expect(reply.status, reply.text).toBe(200);
  return reply.body as CreatedTarget;
}

/** A Condition for the function named `name`. */
export function functionCondition(name: string): Record<string, unknown> {
  return { function: { name } };
}

/** Sets an execution over Connect JSON and fails the test unless it succeeded; answers the reply body. */
export async function setExecution(
  baseUrl: string,
  condition: Record<string, unknown>,
  targets: readonly Record<string, unknown>[],
): Promise<any> {
  const reply = await postJson(baseUrl, "ExecutionService/SetExecution", { condition, targets });
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

/** An element of an execution list naming a target. */
export const target = (id: string) => ({ target: id });
/** An element of an execution list including another condition. */
export const include = (condition: Record<string, unknown>) => ({ include: condition });

/** A stored event as ListEvents shows it in JSON. */
export interface JsonEvent {
  position: string;
  aggregateType: string;
  aggregateId: string;
  sequence: string;
  type: string;
  payload?: Record<string, unknown>;
  resourceOwner: string;
  creator: string;
  createdAt: string;
}

/** ListEvents over Connect JSON (ascending, up to 1000 unless the request says otherwise). */
export async function listEvents(
  baseUrl: string,
  request: Record<string, unknown> = {},
): Promise<{ events: JsonEvent[]; totalResult: string }> {
  const reply = await postJson(baseUrl, "EventService/ListEvents", {
    pagination: { limit: 1000, asc: true },
    ...request,
  });
  expect(reply.status, reply.text).toBe(200);
  return { events: reply.body.events ?? [], totalResult: reply.body.pagination.totalResult };
}

/** The google.rpc.ErrorInfo of a Connect JSON error body, decoded from its base64 detail. */
export function errorInfoOf(reply: JsonReply): ErrorInfo {
  const details = (reply.body?.details ?? []) as { type: string; value: string }[];
  const detail = details.find((candidate) => candidate.type === "google.rpc.ErrorInfo");
  if (!detail) throw new Error(`no ErrorInfo in ${reply.text}`);
  return fromBinary(ErrorInfoSchema, base64Decode(detail.value));
}

/** Asserts a Connect JSON error: HTTP status, Connect code, and ErrorInfo reason in domain "switchyard". */
export function expectJsonError(reply: JsonReply, status: number, code: string, reason: string): ErrorInfo {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.body.code).toBe(code);
  const info = errorInfoOf(reply);
  expect(info.reason).toBe(reason);
  expect(info.domain).toBe("switchyard");
  return info;
}

/** ISO-8601 UTC timestamp as protobuf JSON writes it. */
export const isoUtc = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3,9})?Z$/;

/**
 * Waits until the wall clock has moved to a later millisecond. Lists sort by
 * creation time in milliseconds, so tests that assert creation order space
 * their writes out with this.
 */
export async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() <= start) await new Promise((resolve) => setTimeout(resolve, 1));
}
