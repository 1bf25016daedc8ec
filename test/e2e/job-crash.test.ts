/**
 * Jobs survive a crash: the real entry point in its own process, 1,000
 * accepted async jobs on a slow target, SIGKILL mid-way, restart on the same
 * file. Every job reaches a terminal state, none is lost, and each step keeps
 * its `webhook-id` across the re-run.
 */
import { describe, expect, it } from "vitest";
import { callOk, useCrashFixture } from "../support/spawned-server.js";

const jobCount = 1000;

const crash = useCrashFixture("switchyard-job-crash-", {
  // Few jobs in flight against a slow sink, so the kill lands mid-way; no
  // admission wait, so the 1,000 accepts do not keep pace with the runs (with
  // it, ExecuteJob waits for a place and the last jobs may have run by the
  // kill); short leases and polls, so the restart reclaims at once.
  SWITCHYARD_JOB_CONCURRENCY: "8",
  SWITCHYARD_JOB_ADMISSION_WAIT_MS: "0",
  SWITCHYARD_JOB_LEASE_MS: "600",
  SWITCHYARD_JOB_POLL_MS: "50",
});

describe("jobs across a crash", () => {
  it("brings every accepted job to a terminal state after SIGKILL and restart, none lost", async () => {
    // given: a slow sink as the only step of function "work"
    const sinkAt = await crash.slowSink({ ok: true }, 40);
    const first = await crash.start();
    const target = await callOk(first.url, "TargetService/CreateTarget", {
      name: "worker",
      endpoint: sinkAt.url,
      timeout: "5s",
      restCall: { interruptOnError: true },
    });
    await callOk(first.url, "ExecutionService/SetExecution", { condition: { function: { name: "work" } }, targets: [{ target: target.id }] });

    // when: 1,000 jobs are accepted, and the server is killed while running them
    const ids: string[] = [];
    for (let start = 0; start < jobCount; start += 100) {
      const replies = await Promise.all(
        Array.from({ length: 100 }, (_, offset) => callOk(first.url, "JobService/ExecuteJob", { operation: { function: "work", input: { n: start + offset } } })),
      );
      ids.push(...replies.map((reply) => reply.job.id as string));
    }
    const calledBeforeKill = sinkAt.requests.length;
    first.child.kill("SIGKILL");
    await first.exited;
    const second = await crash.start();

    // then: every job ends, and each step kept its webhook-id
    const open = async () => (await callOk(second.url, "JobService/ListJobs", { statuses: ["JOB_STATUS_ACCEPTED", "JOB_STATUS_RUNNING"], pagination: { limit: 1 } })).pagination.totalResult ?? "0";
    const deadline = Date.now() + 60_000;
    while ((await open()) !== "0" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const succeeded = await callOk(second.url, "JobService/ListJobs", { statuses: ["JOB_STATUS_SUCCEEDED"], pagination: { limit: 1 } });
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    expect(calledBeforeKill).toBeGreaterThan(0);
    expect(calledBeforeKill).toBeLessThan(jobCount);
    expect(new Set(ids).size).toBe(jobCount);
    expect(succeeded.pagination.totalResult).toBe(String(jobCount));
    const idsByJob = new Map<string, Set<string>>();
    for (const request of sinkAt.requests) {
      const body = sinkAt.verified(request, target.signingKey) as { jobId: string };
      idsByJob.set(body.jobId, (idsByJob.get(body.jobId) ?? new Set()).add(request.headers["webhook-id"]!));
    }
    expect(idsByJob.size).toBe(jobCount);
    expect([...idsByJob.values()].filter((webhookIds) => webhookIds.size !== 1)).toEqual([]);
  }, 120_000);
});
