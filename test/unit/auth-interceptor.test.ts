/**
 * The auth interceptor in memory (createRouterTransport): the scope table
 * comes from the descriptors and refuses services without declared scopes; a
 * method missing from the table is refused, never let through; open services
 * need no token; the principal reaches the handler.
 */
import { create } from "@bufbuild/protobuf";
import { Code, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { ListTargetsResponseSchema, TargetService } from "../../gen/switchyard/v1/target_pb.js";
import { actorOf, requestContextKey } from "../../server/api/context.js";
import { createHealthService } from "../../server/api/health-service.js";
import { createAuthInterceptor } from "../../server/api/interceptors/auth.js";
import { createErrorInterceptor } from "../../server/api/interceptors/errors.js";
import { apiServices } from "../../server/app.js";
import type { Authenticator } from "../../server/auth/authenticator.js";
import { scopeTableOf } from "../../server/auth/scope-table.js";
import { connectErrorOf } from "../support/clients.js";

const health = createHealthService({ services: [] });
const principal = { subject: "user-1", resourceOwner: "acme", scopes: new Set(["targets:read"]), tokenKind: "jwt" as const };
const acceptsAnyone: Authenticator = { authenticate: async () => principal };

function transportWith(requiredScopes: ReadonlyMap<string, string>, seen: unknown[] = []) {
  return createRouterTransport(
    (router) => {
      router.service(TargetService, {
        listTargets(_request, context) {
          seen.push({ actor: actorOf(context), context: context.values.get(requestContextKey) });
          return create(ListTargetsResponseSchema, {});
        },
      });
      router.service(health.service, health.impl);
    },
    {
      router: {
        interceptors: [
          createErrorInterceptor(),
          createAuthInterceptor({ authenticator: acceptsAnyone, requiredScopes, openServices: new Set([health.service.typeName]) }),
        ],
      },
    },
  );
}

describe("the scope table", () => {
  it("has a known scope for every API method, read from the descriptors", () => {
    const table = scopeTableOf(apiServices);

    expect(table.size).toBe(apiServices.reduce((count, service) => count + service.methods.length, 0));
    expect(table.get("switchyard.v1.TargetService/CreateTarget")).toBe("targets:write");
    expect(table.get("switchyard.v1.EventService/WatchEvents")).toBe("events:read");
  });

  it("cannot be made for a service whose methods declare no scope", () => {
    expect(() => scopeTableOf([health.service])).toThrow(/grpc\.health\.v1\.Health\/Check must declare \(switchyard\.v1\.required_scope\)/);
  });
});

describe("the auth interceptor", () => {
  it("refuses a method missing from the scope table with PERMISSION_DENIED scope_undeclared, even for a valid token", async () => {
    const transport = transportWith(new Map());

    const error = await connectErrorOf(createClient(TargetService, transport).listTargets({}));

    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "scope_undeclared", metadata: { procedure: "switchyard.v1.TargetService/ListTargets" } });
  });

  it("hands the handler the principal as its actor and in the request context", async () => {
    const seen: unknown[] = [];
    const transport = transportWith(scopeTableOf([TargetService]), seen);

    await createClient(TargetService, transport).listTargets({});

    expect(seen).toEqual([{ actor: principal, context: expect.objectContaining({ principal, procedure: "switchyard.v1.TargetService/ListTargets" }) }]);
  });

  it("lets anyone call an open service", async () => {
    const transport = transportWith(new Map());

    const reply = await createClient(health.service, transport).check({});

    expect(reply.status).toBe(1);
  });
});
