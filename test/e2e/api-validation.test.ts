/**
 * Input validation end to end: protovalidate violations, with their
 * google.rpc.BadRequest twin, over gRPC-web; malformed JSON and protobuf bodies.
 */
import { connect as connectHttp2 } from "node:http2";
import { ViolationsSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import type { SetExecutionRequestSchema } from "../../gen/switchyard/v1/execution_pb.js";
import type { CreateTargetRequestSchema } from "../../gen/switchyard/v1/target_pb.js";
import { type JsonReply, connectErrorOf, createGrpcWebClients, postJson } from "../support/clients.js";
import { useServer } from "../support/use-server.js";

const server = useServer("all");

type Call = (web: ReturnType<typeof createGrpcWebClients>) => Promise<unknown>;
type TargetInit = MessageInitShape<typeof CreateTargetRequestSchema>;

const validTarget: TargetInit = {
  name: "n",
  endpoint: "https://a.example.com/x",
  timeout: { seconds: 5n },
  targetType: { case: "restWebhook", value: { interruptOnError: true } },
};
const createTarget =
  (init: Partial<TargetInit>): Call =>
  (web) =>
    web.targets.createTarget({ ...validTarget, ...init } as TargetInit);
const setExecution =
  (init: MessageInitShape<typeof SetExecutionRequestSchema>): Call =>
  (web) =>
    web.executions.setExecution(init);
const method = (value: string) => ({
  conditionType: { case: "request" as const, value: { condition: { case: "method" as const, value } } },
});

const invalidInputs: [string, Call, string, string][] = [
  ["empty name", createTarget({ name: "" }), "name", "string.min_len"],
  ["name over 1000 characters", createTarget({ name: "n".repeat(1001) }), "name", "string.max_len"],
  ["ftp endpoint", createTarget({ endpoint: "ftp://a.example.com/x" }), "endpoint", "endpoint.http_scheme"],
  ["relative endpoint", createTarget({ endpoint: "/hook" }), "endpoint", "string.uri"],
  ["timeout 0s", createTarget({ timeout: { seconds: 0n } }), "timeout", "duration.gt_lte"],
  ["timeout 271s", createTarget({ timeout: { seconds: 271n } }), "timeout", "duration.gt_lte"],
  ["missing timeout", createTarget({ timeout: undefined }), "timeout", "required"],
  ["missing target type", createTarget({ targetType: { case: undefined } }), "target_type", "required"],
  [
    "pagination limit 0",
    (web) => web.targets.listTargets({ pagination: { limit: 0 } }),
    "pagination.limit",
    "uint32.gte_lte",
  ],
  [
    "pagination limit 1001",
    (web) => web.executions.listExecutions({ pagination: { limit: 1001 } }),
    "pagination.limit",
    "uint32.gte_lte",
  ],
  ["missing condition", setExecution({ targets: [] }), "condition", "required"],
  [
    "bad method shape",
    setExecution({ condition: method("ExecuteJob"), targets: [{ type: { case: "target", value: "t" } }] }),
    "condition.request.method",
    "string.pattern",
  ],
  [
    "empty target id",
    setExecution({
      condition: method("/switchyard.v1.JobService/ExecuteJob"),
      targets: [{ type: { case: "target", value: "" } }],
    }),
    "targets[0].target",
    "string.min_len",
  ],
];

/**
 * Sends a protobuf body that cannot be decoded (field 1 claims 127 bytes but
 * carries one): as a hand-made gRPC frame over HTTP/2, and as Connect binary.
 */
async function sendMalformedProtobuf(): Promise<{
  grpcStatus?: string;
  connectStatus: number;
  connectBody: string;
}> {
  const garbage = Buffer.from([0x0a, 0x7f, 0x61]);
  const frame = Buffer.alloc(5 + garbage.length);
  frame.writeUInt32BE(garbage.length, 1);
  garbage.copy(frame, 5);
  const session = connectHttp2(server.baseUrl);
  try {
    const grpcStatus = await new Promise<string | undefined>((resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": "/switchyard.v1.TargetService/GetTarget",
        "content-type": "application/grpc",
        te: "trailers",
      });
      let headerStatus: string | undefined;
      stream.on("response", (headers) => (headerStatus = headers["grpc-status"] as string | undefined));
      stream.on("trailers", (trailers) => resolve(String(trailers["grpc-status"])));
      stream.on("end", () => resolve(headerStatus));
      stream.on("error", reject);
      stream.resume();
      stream.end(frame);
    });
    const connect = await fetch(`${server.baseUrl}/switchyard.v1.TargetService/GetTarget`, {
      method: "POST",
      headers: { "content-type": "application/proto" },
      body: garbage,
    });
    return { grpcStatus, connectStatus: connect.status, connectBody: await connect.text() };
  } finally {
    session.close();
  }
}

describe("invalid input", () => {
  it.each(invalidInputs)("%s → INVALID_ARGUMENT with the violation and a BadRequest", async (_, call, field, ruleId) => {
    // when
    const error = await connectErrorOf(call(createGrpcWebClients(server.baseUrl)));

    // then
    expect(error.code).toBe(Code.InvalidArgument);
    const [violations] = error.findDetails(ViolationsSchema);
    expect(violations?.violations.map((v) => v.ruleId)).toContain(ruleId);
    const violation = violations!.violations.find((v) => v.ruleId === ruleId)!;
    expect(violation.message.length).toBeGreaterThan(5);
    const [badRequest] = error.findDetails(BadRequestSchema);
    const described = badRequest?.fieldViolations.map((v) => ({ field: v.field, description: v.description }));
    expect(described).toContainEqual({ field, description: violation.message });
    expect(error.rawMessage).toContain(field);
  });
});

describe("malformed bodies", () => {
  it("answers malformed JSON with HTTP 400 invalid_argument", async () => {
    // when
    const replies: JsonReply[] = [
      await postJson(server.baseUrl, "TargetService/CreateTarget", '{"name": "x", '),
      await postJson(server.baseUrl, "TargetService/GetTarget", '{"id": 5}'),
      await postJson(server.baseUrl, "TargetService/GetTarget", "[1, 2]"),
    ];

    // then
    for (const reply of replies) {
      expect(reply.status, reply.text).toBe(400);
      expect(reply.body.code).toBe("invalid_argument");
      expect(reply.text).not.toMatch(/sqlite|    at /i);
    }
  });

  it("rejects a malformed protobuf body over gRPC and Connect without leaking internals", async () => {
    // when
    const reply = await sendMalformedProtobuf();

    // then
    expect(reply.grpcStatus).toMatch(/^\d+$/);
    expect(reply.grpcStatus).not.toBe("0");
    expect(reply.connectStatus).toBeGreaterThanOrEqual(400);
    expect(reply.connectBody).not.toMatch(/sqlite|    at /i);
  });

  // Spec §4 wants INVALID_ARGUMENT. connect-es parses a unary request before
  // any interceptor runs and reports a parse failure as INTERNAL ("parse
  // binary: premature EOF"), so the server's error interceptor never sees it.
  // This test starts failing (and must be turned into a plain `it`) once fixed.
  it.fails("answers a malformed protobuf body with INVALID_ARGUMENT (known deviation: INTERNAL)", async () => {
    // when
    const reply = await sendMalformedProtobuf();

    // then
    expect(reply.grpcStatus).toBe(String(Code.InvalidArgument));
    expect(reply.connectStatus).toBe(400);
    expect(JSON.parse(reply.connectBody).code).toBe("invalid_argument");
  });
});

describe("request size", () => {
  it("refuses a request over 4 MiB with RESOURCE_EXHAUSTED and stores nothing", async () => {
    const oversized = { name: "x".repeat(4 * 1024 * 1024), endpoint: "https://example.com/hook", timeout: "1s", restAsync: {} };

    const reply = await postJson(server.baseUrl, "TargetService/CreateTarget", oversized);
    const listed = await postJson(server.baseUrl, "TargetService/ListTargets", {});

    expect(reply.status).toBe(429);
    expect(reply.body.code).toBe("resource_exhausted");
    expect(listed.body.targets ?? []).toEqual([]);
    expect(listed.body.pagination.totalResult ?? "0").toBe("0");
  });
});
