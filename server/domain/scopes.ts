/**
 * Scopes a token may carry. Each switchyard.v1 RPC declares the one it needs
 * in the .proto files (`option (switchyard.v1.required_scope)`); `admin`
 * grants every scope.
 */
export const scopes = [
  "targets:read",
  "targets:write",
  "executions:read",
  "executions:write",
  "jobs:read",
  "jobs:execute",
  "events:read",
  "events:write",
  "deliveries:read",
  "deliveries:write",
  "admin",
] as const;

export type Scope = (typeof scopes)[number];
