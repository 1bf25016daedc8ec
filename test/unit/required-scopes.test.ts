/**
 * Every RPC of the API declares the scope it needs in the .proto files. A new
 * RPC without `option (switchyard.v1.required_scope)` fails here.
 */
import { getOption, hasOption } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { required_scope } from "../../gen/switchyard/v1/options_pb.js";
import { apiServices } from "../../server/app.js";
import { scopes } from "../../server/domain/scopes.js";

const declared = apiServices.flatMap((service) =>
  service.methods.map((method) => ({
    rpc: `${service.typeName}/${method.name}`,
    scope: hasOption(method, required_scope) ? getOption(method, required_scope) : undefined,
    readOnly: method.idempotency === 1, // NO_SIDE_EFFECTS
  })),
);

describe("required scopes", () => {
  it("are declared on every RPC, and each is a known scope other than admin", () => {
    const undeclared = declared.filter(({ scope }) => scope === undefined || !scopes.includes(scope as never) || scope === "admin");

    expect(undeclared).toEqual([]);
    expect(declared).toHaveLength(29);
  });

  it("ask read-only methods for a read scope and the others for a write or execute scope", () => {
    const mismatched = declared.filter(({ scope, readOnly }) => scope?.endsWith(":read") !== readOnly);

    expect(mismatched).toEqual([]);
  });

  it("match the resource of their service", () => {
    const resources = new Map<string, Set<string>>();
    for (const { rpc, scope } of declared) {
      const service = rpc.split("/")[0]!;
      resources.set(service, (resources.get(service) ?? new Set()).add(scope!.split(":")[0]!));
    }

    expect(Object.fromEntries([...resources].map(([service, found]) => [service, [...found]]))).toEqual({
      "switchyard.v1.TargetService": ["targets"],
      "switchyard.v1.ExecutionService": ["executions"],
      "switchyard.v1.JobService": ["jobs"],
      "switchyard.v1.EventService": ["events"],
      "switchyard.v1.DeliveryService": ["deliveries"],
    });
  });
});
