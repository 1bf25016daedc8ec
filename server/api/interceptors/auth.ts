/**
 * Authentication and scopes. Sits inside the error interceptor (its errors are
 * mapped and logged like every other) and before validation and the handlers:
 * a request without a valid bearer token, or whose token lacks the scope its
 * method declares in the .proto files, never reaches them. The principal goes
 * into the request context, where handlers (as their actor), interception and
 * rate limiting find it. The open services — health and reflection — need no token.
 */
import type { Interceptor } from "@connectrpc/connect";
import { scopeMissing, scopeUndeclared } from "../../auth/auth-errors.js";
import type { Authenticator } from "../../auth/authenticator.js";
import { grants } from "../../auth/principal.js";
import { requestIdFrom } from "../request-id.js";
import { requestContextKey } from "../context.js";

export interface AuthInterceptorOptions {
  readonly authenticator: Authenticator;
  /** Required scope by `package.Service/Method` (see auth/scope-table.ts). */
  readonly requiredScopes: ReadonlyMap<string, string>;
  /** Services anyone may call (health, reflection). */
  readonly openServices: ReadonlySet<string>;
}

/** Creates the auth interceptor. A method of a non-open service missing from `requiredScopes` is refused. */
export function createAuthInterceptor(options: AuthInterceptorOptions): Interceptor {
  const { authenticator, requiredScopes, openServices } = options;
  return (next) => async (request) => {
    const service = request.method.parent.typeName;
    if (openServices.has(service)) return next(request);
    const context = request.contextValues.get(requestContextKey) ?? {
      requestId: requestIdFrom(request.header.get("x-request-id")),
      procedure: `${service}/${request.method.name}`,
    };
    const scope = requiredScopes.get(context.procedure);
    if (scope === undefined) throw scopeUndeclared(context.procedure);
    const principal = await authenticator.authenticate(request.header.get("authorization"));
    if (!grants(principal, scope)) throw scopeMissing(scope, context.procedure);
    // Every field written out: a spread with a field added gives each request's context a hidden class of its own.
    request.contextValues.set(requestContextKey, { requestId: context.requestId, procedure: context.procedure, principal });
    return next(request);
  };
}
