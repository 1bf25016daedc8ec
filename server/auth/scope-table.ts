/**
 * The scope each RPC needs, read from the descriptors: every switchyard.v1
 * method declares `option (switchyard.v1.required_scope)` in its .proto file.
 * Nothing is listed per handler here.
 */
import { type DescService, getOption, hasOption } from "@bufbuild/protobuf";
import { required_scope } from "../../gen/switchyard/v1/options_pb.js";
import { type Scope, scopes } from "../domain/scopes.js";

/** One row of the table: `switchyard.v1.TargetService/CreateTarget` needs `targets:write`. */
export interface RequiredScope {
  /** `package.Service/Method`, as in the request context's `procedure`. */
  readonly procedure: string;
  readonly scope: Scope;
}

/** Every method of `services` with its declared scope, in declaration order. */
export function requiredScopesOf(services: readonly DescService[]): RequiredScope[] {
  return services.flatMap((service) =>
    service.methods.map((method) => {
      const procedure = `${service.typeName}/${method.name}`;
      const scope = hasOption(method, required_scope) ? getOption(method, required_scope) : undefined;
      if (scope === undefined || scope === "" || scope === "admin" || !(scopes as readonly string[]).includes(scope)) {
        throw new Error(`${procedure} must declare (switchyard.v1.required_scope) with a known scope, not ${JSON.stringify(scope)}`);
      }
      return { procedure, scope: scope as Scope };
    }),
  );
}

/**
 * The scope table of `services` by procedure. Throws at start-up when a method
 * declares no known scope, so such a method is never served.
 */
export function scopeTableOf(services: readonly DescService[]): ReadonlyMap<string, Scope> {
  return new Map(requiredScopesOf(services).map(({ procedure, scope }) => [procedure, scope]));
}
