/**
 * The router over a real SQLite store, changed through the real commands:
 * what it answers right after each command resolves.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiRpcRegistry } from "../../server/app.js";
import { createExecutionCommands } from "../../server/commands/execution-commands.js";
import { createTargetCommands } from "../../server/commands/target-commands.js";
import type { Condition } from "../../server/domain/condition.js";
import type { Actor } from "../../server/domain/events.js";
import type { ExecutionElement } from "../../server/domain/execution.js";
import type { TargetSpec } from "../../server/domain/target.js";
import { type Router, createRouter } from "../../server/engine/router.js";
import { createSqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import type { Store } from "../../server/store/store.js";

const alice: Actor = { resourceOwner: "alice", subject: "test" };
const bob: Actor = { resourceOwner: "bob", subject: "test" };
const management = new Set(["switchyard.v1.TargetService", "switchyard.v1.ExecutionService"]);

let directory: string;
let store: Store;
let router: Router;
let targets: ReturnType<typeof createTargetCommands>;
let executions: ReturnType<typeof createExecutionCommands>;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), "switchyard-router-"));
  store = await createSqliteStore({ path: join(directory, "router.db") });
  router = await createRouter(store, { notMatchedByAll: management });
  targets = createTargetCommands({ store, signingKeyOverlapMs: 60_000 });
  executions = createExecutionCommands({ store, rpcRegistry: apiRpcRegistry() });
});

afterEach(async () => {
  router.close();
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

const spec = (name: string): TargetSpec => ({
  name,
  endpoint: `https://example.com/${name}`,
  timeoutMs: 1000,
  targetType: { kind: "call", interruptOnError: false },
  payloadType: "json",
});
const newTarget = async (name: string, actor = alice) => (await targets.createTarget(actor, spec(name))).id;
const target = (targetId: string): ExecutionElement => ({ kind: "target", targetId });
const include = (key: string): ExecutionElement => ({ kind: "include", include: key });
const rpc = (type: "request" | "response", scope: "method" | "service" | "all", name = ""): Condition => ({ type, scope, name });
const names = (list: readonly { name: string }[] | undefined) => list?.map((t) => t.name);
const executeJob = "/switchyard.v1.JobService/ExecuteJob";

describe("router", () => {
  it("answers the most specific RPC execution right after each SetExecution resolves", async () => {
    const [all, service, method] = [await newTarget("all"), await newTarget("service"), await newTarget("method")];

    await executions.setExecution(alice, rpc("request", "all"), [target(all)]);
    expect(names(router.rpcTargets("alice", "request", executeJob))).toEqual(["all"]);
    await executions.setExecution(alice, rpc("request", "service", "switchyard.v1.JobService"), [target(service)]);
    expect(names(router.rpcTargets("alice", "request", executeJob))).toEqual(["service"]);
    await executions.setExecution(alice, rpc("request", "method", executeJob), [target(method)]);
    expect(names(router.rpcTargets("alice", "request", executeJob))).toEqual(["method"]);
    expect(names(router.rpcTargets("alice", "request", "/switchyard.v1.JobService/GetJob"))).toEqual(["service"]);
    expect(router.rpcTargets("alice", "response", executeJob)).toEqual([]);

    await executions.deleteExecution(alice, rpc("request", "method", executeJob));
    expect(names(router.rpcTargets("alice", "request", executeJob))).toEqual(["service"]);
  });

  it("never lets `all` match the management services, while a method execution still does", async () => {
    const id = await newTarget("guard");
    await executions.setExecution(alice, rpc("request", "all"), [target(id)]);
    const createTarget = "/switchyard.v1.TargetService/CreateTarget";

    expect(router.rpcTargets("alice", "request", createTarget)).toEqual([]);
    await executions.setExecution(alice, rpc("request", "method", createTarget), [target(id)]);
    expect(names(router.rpcTargets("alice", "request", createTarget))).toEqual(["guard"]);
  });

  it("matches events exactly, then by the longest group on dot boundaries, then all", async () => {
    const [exact, group, deep, all] = [await newTarget("exact"), await newTarget("group"), await newTarget("deep"), await newTarget("all")];
    await executions.setExecution(alice, { type: "event", scope: "all", name: "" }, [target(all)]);
    await executions.setExecution(alice, { type: "event", scope: "group", name: "job" }, [target(group)]);
    await executions.setExecution(alice, { type: "event", scope: "group", name: "job.step" }, [target(deep)]);
    await executions.setExecution(alice, { type: "event", scope: "event", name: "job.succeeded" }, [target(exact)]);

    expect(names(router.eventTargets("alice", "job.succeeded"))).toEqual(["exact"]);
    expect(names(router.eventTargets("alice", "job.step.failed"))).toEqual(["deep"]);
    expect(names(router.eventTargets("alice", "job.failed"))).toEqual(["group"]);
    expect(names(router.eventTargets("alice", "jobs.created"))).toEqual(["all"]);
  });

  it("follows an owner's first event execution and its last one's removal, beside function executions", async () => {
    const [fn, events] = [await newTarget("fn"), await newTarget("events")];
    await executions.setExecution(alice, { type: "function", scope: "name", name: "run" }, [target(fn)]);
    expect(router.eventTargets("alice", "job.succeeded")).toEqual([]);

    const group = { type: "event", scope: "group", name: "job" } as const;
    await executions.setExecution(alice, group, [target(events)]);
    expect(names(router.eventTargets("alice", "job.succeeded"))).toEqual(["events"]);
    expect(router.eventTargets("alice", "target.added")).toEqual([]);

    await executions.deleteExecution(alice, group);
    expect(router.eventTargets("alice", "job.succeeded")).toEqual([]);
    expect(names(router.functionTargets("alice", "run"))).toEqual(["fn"]);
  });

  it("expands includes in order and follows changes of the included execution at once", async () => {
    const [a, b, c] = [await newTarget("a"), await newTarget("b"), await newTarget("c")];
    const enrich = { type: "function", scope: "name", name: "enrich" } as const;
    await executions.setExecution(alice, enrich, [target(b)]);
    await executions.setExecution(alice, { type: "function", scope: "name", name: "run" }, [target(a), include("function:name:enrich"), target(c)]);

    expect(names(router.functionTargets("alice", "run"))).toEqual(["a", "b", "c"]);
    await executions.setExecution(alice, enrich, [target(c), target(b)]);
    expect(names(router.functionTargets("alice", "run"))).toEqual(["a", "c", "b", "c"]);
    expect(router.functionTargets("alice", "unbound")).toBeUndefined();
  });

  it("holds each target exactly as the projection does, through changes, rotation and deletion", async () => {
    const id = await newTarget("hook");
    const run = { type: "function", scope: "name", name: "run" } as const;
    await executions.setExecution(alice, run, [target(id)]);

    await targets.updateTarget(alice, id, { endpoint: "https://example.org/new", rotateSigningKey: true });
    const [routed] = router.functionTargets("alice", "run")!;
    expect(routed).toEqual(await store.getTarget("alice", id));
    expect(routed?.previousSigningKey).toMatch(/^whsec_/);

    await targets.deleteTarget(alice, id);
    expect(router.functionTargets("alice", "run")).toBeUndefined();
  });

  it("keeps owners apart", async () => {
    const mine = await newTarget("mine", bob);
    await executions.setExecution(bob, { type: "event", scope: "all", name: "" }, [target(mine)]);

    expect(names(router.eventTargets("bob", "anything"))).toEqual(["mine"]);
    expect(router.eventTargets("alice", "anything")).toEqual([]);
  });

  it("rebuilds the same answers from the projections after a restart", async () => {
    const [a, b] = [await newTarget("a"), await newTarget("b")];
    await executions.setExecution(alice, { type: "function", scope: "name", name: "inner" }, [target(b)]);
    await executions.setExecution(alice, rpc("response", "service", "switchyard.v1.JobService"), [target(a), include("function:name:inner")]);
    router.close();
    await store.close();

    store = await createSqliteStore({ path: join(directory, "router.db") });
    router = await createRouter(store, { notMatchedByAll: management });

    expect(names(router.rpcTargets("alice", "response", executeJob))).toEqual(["a", "b"]);
  });
});
