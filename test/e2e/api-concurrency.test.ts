/**
 * Concurrency end to end: optimistic concurrency with expected_sequence on
 * targets and executions, and what racing clients see: one winner per target
 * name, every update applied once, no execution left pointing at a deleted target.
 */
import { describe, expect, it } from "vitest";
import {
  createTarget,
  expectJsonError,
  functionCondition,
  target,
  targetRequest,
  uniqueName,
} from "../support/api-fixtures.js";
import { getJson, postJson } from "../support/clients.js";
import { useServer } from "../support/use-server.js";

const server = useServer("all");

describe("expected_sequence", () => {
  it("fails a mismatching update or delete with ABORTED sequence_mismatch and applies a matching one", async () => {
    // given
    const created = await createTarget(server.baseUrl, uniqueName("occ"));

    // when
    const staleUpdate = await postJson(server.baseUrl, "TargetService/UpdateTarget", {
      id: created.id,
      endpoint: "https://stale.example.com/",
      expectedSequence: "2",
    });
    const staleDelete = await postJson(server.baseUrl, "TargetService/DeleteTarget", {
      id: created.id,
      expectedSequence: "7",
    });

    // then
    const info = expectJsonError(staleUpdate, 409, "aborted", "sequence_mismatch");
    expect(info.metadata).toMatchObject({ expected_sequence: "2", actual_sequence: "1", aggregate_id: created.id });
    expectJsonError(staleDelete, 409, "aborted", "sequence_mismatch");
    const unchanged = await getJson(server.baseUrl, "TargetService/GetTarget", { id: created.id });
    expect(unchanged.body.target.endpoint).toBe("http://127.0.0.1:9000/hook");

    // when
    const update = await postJson(server.baseUrl, "TargetService/UpdateTarget", {
      id: created.id,
      endpoint: "https://fresh.example.com/",
      expectedSequence: "1",
    });
    const remove = await postJson(server.baseUrl, "TargetService/DeleteTarget", { id: created.id, expectedSequence: "2" });

    // then
    expect(update.body.details.sequence).toBe("2");
    expect(remove.body.details.sequence).toBe("3");
  });
});

describe("expected_sequence on SetExecution and DeleteExecution", () => {
  it("fails with ABORTED sequence_mismatch unless it matches (0: must not exist)", async () => {
    // given
    const hook = await createTarget(server.baseUrl, uniqueName("hook"));
    const enrich = functionCondition(uniqueName("occ"));
    const created = await postJson(server.baseUrl, "ExecutionService/SetExecution", {
      condition: enrich,
      targets: [target(hook.id)],
      expectedSequence: "0",
    });
    expect(created.body.details.sequence).toBe("1");

    // when
    const createdAgain = await postJson(server.baseUrl, "ExecutionService/SetExecution", {
      condition: enrich,
      targets: [target(hook.id), target(hook.id)],
      expectedSequence: "0",
    });
    const staleDelete = await postJson(server.baseUrl, "ExecutionService/DeleteExecution", {
      condition: enrich,
      expectedSequence: "2",
    });

    // then
    const info = expectJsonError(createdAgain, 409, "aborted", "sequence_mismatch");
    expect(info.metadata).toMatchObject({ expected_sequence: "0", actual_sequence: "1" });
    expectJsonError(staleDelete, 409, "aborted", "sequence_mismatch");

    // when
    const deleted = await postJson(server.baseUrl, "ExecutionService/DeleteExecution", {
      condition: enrich,
      expectedSequence: "1",
    });
    const deletedAgain = await postJson(server.baseUrl, "ExecutionService/DeleteExecution", { condition: enrich });
    const neverSet = await postJson(server.baseUrl, "ExecutionService/DeleteExecution", {
      condition: { event: { all: true } },
    });

    // then
    expect(deleted.body.details.sequence).toBe("2");
    expect(deletedAgain.body).toEqual(deleted.body);
    expect(neverSet.status).toBe(200);
    expect(neverSet.body).toEqual({});
  });
});

describe("racing clients", () => {
  it("creating one name ten times at once: one target, nine ALREADY_EXISTS target_name_taken", async () => {
    // given
    const name = uniqueName("race");

    // when
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => postJson(server.baseUrl, "TargetService/CreateTarget", targetRequest(name))),
    );

    // then
    const created = replies.filter((reply) => reply.status === 200);
    expect(created).toHaveLength(1);
    for (const reply of replies.filter((candidate) => candidate.status !== 200)) {
      expectJsonError(reply, 409, "already_exists", "target_name_taken");
    }
    const listed = await postJson(server.baseUrl, "TargetService/ListTargets", {
      filters: [{ targetNameFilter: { targetName: name } }],
    });
    expect(listed.body.targets.map((t: { id: string }) => t.id)).toEqual([created[0]!.body.id]);
  });

  it("updating one target twenty times at once applies every update exactly once", async () => {
    // given
    const created = await createTarget(server.baseUrl, uniqueName("updates"));

    // when
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        postJson(server.baseUrl, "TargetService/UpdateTarget", {
          id: created.id,
          endpoint: `https://e.example.com/${index}`,
        }),
      ),
    );

    // then
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    const sequences = replies.map((reply) => Number(reply.body.details.sequence)).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 20 }, (_, index) => index + 2));
    const shown = await getJson(server.baseUrl, "TargetService/GetTarget", { id: created.id });
    expect(shown.body.target.details.sequence).toBe("21");
  });

  it("deleting a target while executions are set to it leaves no execution pointing at it", async () => {
    // given
    const doomed = await createTarget(server.baseUrl, uniqueName("doomed"));
    const names = Array.from({ length: 10 }, () => uniqueName("fn"));

    // when
    const [deleted, ...sets] = await Promise.all([
      postJson(server.baseUrl, "TargetService/DeleteTarget", { id: doomed.id }),
      ...names.map((name) =>
        postJson(server.baseUrl, "ExecutionService/SetExecution", {
          condition: functionCondition(name),
          targets: [{ target: doomed.id }],
        }),
      ),
    ]);

    // then: each set either won before the delete (and was cascaded) or failed NOT_FOUND
    expect(deleted!.status, deleted!.text).toBe(200);
    for (const set of sets) {
      if (set.status !== 200) expectJsonError(set, 404, "not_found", "target_not_found");
    }
    const listing = await postJson(server.baseUrl, "ExecutionService/ListExecutions", {
      filters: [{ targetFilter: { targetId: doomed.id } }],
    });
    expect(listing.status, listing.text).toBe(200);
    expect(listing.body.executions ?? []).toEqual([]);
  });
});
