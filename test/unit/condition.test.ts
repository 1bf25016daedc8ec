import { describe, expect, it } from "vitest";
import {
  type Condition,
  type ConditionKey,
  conditionKey,
  eventCandidateKeys,
  functionKey,
  mostSpecificMatch,
  parseConditionKey,
  rpcCandidateKeys,
  serviceOfMethod,
} from "../../server/domain/condition.js";
import { thrownBy } from "./thrown.js";

/** An `exists` predicate over a fixed set of execution keys. */
function executionsAt(...keys: Condition[]): (key: ConditionKey) => boolean {
  const present = new Set(keys.map(conditionKey));
  return (key) => present.has(key);
}

describe("conditionKey / parseConditionKey", () => {
  const shapes: Array<[Condition, ConditionKey]> = [
    [{ type: "request", scope: "method", name: "/pkg.FooService/Do" }, "request:method:/pkg.FooService/Do"],
    [{ type: "request", scope: "service", name: "pkg.FooService" }, "request:service:pkg.FooService"],
    [{ type: "request", scope: "all", name: "" }, "request:all"],
    [{ type: "response", scope: "method", name: "/pkg.FooService/Do" }, "response:method:/pkg.FooService/Do"],
    [{ type: "response", scope: "service", name: "pkg.FooService" }, "response:service:pkg.FooService"],
    [{ type: "response", scope: "all", name: "" }, "response:all"],
    [{ type: "function", scope: "name", name: "enrich" }, "function:name:enrich"],
    [{ type: "function", scope: "name", name: "billing:charge:v2" }, "function:name:billing:charge:v2"],
    [{ type: "function", scope: "name", name: "orders/create/v1" }, "function:name:orders/create/v1"],
    [{ type: "function", scope: "name", name: "a:/b::c/" }, "function:name:a:/b::c/"],
    [{ type: "event", scope: "event", name: "job.succeeded" }, "event:event:job.succeeded"],
    [{ type: "event", scope: "group", name: "job" }, "event:group:job"],
    [{ type: "event", scope: "all", name: "" }, "event:all"],
  ];

  it.each(shapes)("round-trips %j through %s", (condition, key) => {
    // when
    const made = conditionKey(condition);
    const parsed = parseConditionKey(made);

    // then
    expect(made).toBe(key);
    expect(parsed).toEqual(condition);
    expect(conditionKey(parsed)).toBe(key);
  });

  it("functionKey is the key of the function condition", () => {
    expect(functionKey("a:b/c")).toBe("function:name:a:b/c");
    expect(parseConditionKey(functionKey("a:b/c"))).toEqual({ type: "function", scope: "name", name: "a:b/c" });
  });

  it.each([
    "",
    "request",
    "request:",
    "request:method",
    "request:method:",
    "request:service:",
    "request:all:x",
    "request:name:x",
    "request:event:x",
    "response:group:x",
    "function",
    "function:name",
    "function:name:",
    "function:all",
    "function:method:x",
    "event:event:",
    "event:group:",
    "event:all:x",
    "event:method:x",
    "job:all",
    "Request:all",
    "constructor:all",
    "__proto__:all",
    "toString:name:x",
    "hasOwnProperty:all",
  ])("rejects the invalid key %j", (key) => {
    // when
    const error = thrownBy(() => parseConditionKey(key));

    // then
    expect(error.reason).toBe("invalid_condition_key");
    expect(error.message).toContain(JSON.stringify(key));
  });
});

describe("serviceOfMethod", () => {
  it.each([
    ["/switchyard.v1.JobService/ExecuteJob", "switchyard.v1.JobService"],
    ["/pkg.FooServiceX/Do", "pkg.FooServiceX"],
    ["/Svc/M", "Svc"],
    ["/a.b.c.D/E", "a.b.c.D"],
  ])("takes the service of %s", (fullMethod, service) => {
    expect(serviceOfMethod(fullMethod)).toBe(service);
  });
});

describe("rpcCandidateKeys", () => {
  it("lists method, then service, then all", () => {
    expect(rpcCandidateKeys("request", "/pkg.FooService/Do")).toEqual([
      "request:method:/pkg.FooService/Do",
      "request:service:pkg.FooService",
      "request:all",
    ]);
    expect(rpcCandidateKeys("response", "/pkg.FooService/Do")).toEqual([
      "response:method:/pkg.FooService/Do",
      "response:service:pkg.FooService",
      "response:all",
    ]);
  });
});

describe("mostSpecificMatch for RPCs", () => {
  const method = "/pkg.FooService/Do";
  const methodExecution: Condition = { type: "request", scope: "method", name: method };
  const serviceExecution: Condition = { type: "request", scope: "service", name: "pkg.FooService" };
  const allExecution: Condition = { type: "request", scope: "all", name: "" };

  it("picks the method execution over service and all", () => {
    // given
    const exists = executionsAt(allExecution, serviceExecution, methodExecution);

    // when
    const match = mostSpecificMatch(rpcCandidateKeys("request", method), exists);

    // then
    expect(match).toBe("request:method:/pkg.FooService/Do");
  });

  it("picks the service execution over all when there is no method execution", () => {
    const exists = executionsAt(allExecution, serviceExecution);
    expect(mostSpecificMatch(rpcCandidateKeys("request", method), exists)).toBe("request:service:pkg.FooService");
  });

  it("falls back to all", () => {
    const exists = executionsAt(allExecution);
    expect(mostSpecificMatch(rpcCandidateKeys("request", method), exists)).toBe("request:all");
  });

  it("matches nothing when no execution applies", () => {
    const exists = executionsAt({ type: "request", scope: "method", name: "/pkg.FooService/Other" });
    expect(mostSpecificMatch(rpcCandidateKeys("request", method), exists)).toBeUndefined();
  });

  it("never lets a service execution for pkg.FooService match a method of pkg.FooServiceX", () => {
    // given
    const exists = executionsAt(serviceExecution, { type: "request", scope: "method", name: "/pkg.FooService/Do" });

    // when
    const match = mostSpecificMatch(rpcCandidateKeys("request", "/pkg.FooServiceX/Do"), exists);

    // then
    expect(match).toBeUndefined();
  });

  it("never lets a service execution for pkg.FooServiceX match a method of pkg.FooService", () => {
    const exists = executionsAt({ type: "request", scope: "service", name: "pkg.FooServiceX" });
    expect(mostSpecificMatch(rpcCandidateKeys("request", "/pkg.FooService/Do"), exists)).toBeUndefined();
  });

  it("never lets a service execution for a package prefix match", () => {
    const exists = executionsAt({ type: "request", scope: "service", name: "pkg" });
    expect(mostSpecificMatch(rpcCandidateKeys("request", "/pkg.FooService/Do"), exists)).toBeUndefined();
  });

  it("never mixes request and response executions", () => {
    // given: only response executions exist
    const responsesOnly = executionsAt(
      { type: "response", scope: "method", name: method },
      { type: "response", scope: "service", name: "pkg.FooService" },
      { type: "response", scope: "all", name: "" },
    );
    // and: only request executions exist
    const requestsOnly = executionsAt(methodExecution, serviceExecution, allExecution);

    // then
    expect(mostSpecificMatch(rpcCandidateKeys("request", method), responsesOnly)).toBeUndefined();
    expect(mostSpecificMatch(rpcCandidateKeys("response", method), requestsOnly)).toBeUndefined();
    expect(mostSpecificMatch(rpcCandidateKeys("response", method), responsesOnly)).toBe(
      "response:method:/pkg.FooService/Do",
    );
  });
});

describe("eventCandidateKeys", () => {
  it("lists the exact type, then group prefixes longest first, then all", () => {
    expect(eventCandidateKeys("job.step.failed")).toEqual([
      "event:event:job.step.failed",
      "event:group:job.step.failed",
      "event:group:job.step",
      "event:group:job",
      "event:all",
    ]);
  });

  it("lists a single-segment type as its own group", () => {
    expect(eventCandidateKeys("ping")).toEqual(["event:event:ping", "event:group:ping", "event:all"]);
  });
});

describe("mostSpecificMatch for events", () => {
  const jobGroup: Condition = { type: "event", scope: "group", name: "job" };
  const jobStepGroup: Condition = { type: "event", scope: "group", name: "job.step" };
  const allEvents: Condition = { type: "event", scope: "all", name: "" };

  it("picks the exact event over groups and all", () => {
    // given
    const exists = executionsAt(allEvents, jobGroup, jobStepGroup, { type: "event", scope: "event", name: "job.step.failed" });

    // when
    const match = mostSpecificMatch(eventCandidateKeys("job.step.failed"), exists);

    // then
    expect(match).toBe("event:event:job.step.failed");
  });

  it("lets group job match job.succeeded and job.step.failed", () => {
    const exists = executionsAt(jobGroup);
    expect(mostSpecificMatch(eventCandidateKeys("job.succeeded"), exists)).toBe("event:group:job");
    expect(mostSpecificMatch(eventCandidateKeys("job.step.failed"), exists)).toBe("event:group:job");
  });

  it.each(["jobs.x", "jobx", "jobs", "xjob", "x.job", "x.job.succeeded"])("never lets group job match %s", (type) => {
    const exists = executionsAt(jobGroup);
    expect(mostSpecificMatch(eventCandidateKeys(type), exists)).toBeUndefined();
  });

  it("lets the longer group job.step beat job for job.step.failed", () => {
    // given: declared in either order
    const exists = executionsAt(jobGroup, jobStepGroup);

    // when
    const match = mostSpecificMatch(eventCandidateKeys("job.step.failed"), exists);

    // then
    expect(match).toBe("event:group:job.step");
  });

  it("keeps group job for job.succeeded when job.step also exists", () => {
    const exists = executionsAt(jobGroup, jobStepGroup);
    expect(mostSpecificMatch(eventCandidateKeys("job.succeeded"), exists)).toBe("event:group:job");
  });

  it("does not let group job.step match job.steps.failed", () => {
    const exists = executionsAt(jobStepGroup);
    expect(mostSpecificMatch(eventCandidateKeys("job.steps.failed"), exists)).toBeUndefined();
  });

  it("picks a group over all", () => {
    const exists = executionsAt(allEvents, jobGroup);
    expect(mostSpecificMatch(eventCandidateKeys("job.succeeded"), exists)).toBe("event:group:job");
  });

  it("falls back to all for an unrelated type", () => {
    const exists = executionsAt(allEvents, jobGroup, { type: "event", scope: "event", name: "job.succeeded" });
    expect(mostSpecificMatch(eventCandidateKeys("target.added"), exists)).toBe("event:all");
  });

  it("never matches request, response or function executions", () => {
    const exists = executionsAt(
      { type: "request", scope: "all", name: "" },
      { type: "response", scope: "all", name: "" },
      { type: "function", scope: "name", name: "job.succeeded" },
    );
    expect(mostSpecificMatch(eventCandidateKeys("job.succeeded"), exists)).toBeUndefined();
  });
});
