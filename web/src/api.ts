/**
 * The page's one Switchyard client: gRPC-web to the server that served the
 * page, with the tab's token read before every call.
 */
import { type SwitchyardClient, createSwitchyardClient } from "../../client/index.js";
import { currentToken } from "./session.js";

/** Typed clients of every switchyard.v1 service. */
export const api: SwitchyardClient = createSwitchyardClient({
  baseUrl: window.location.origin,
  token: currentToken,
  protocol: "grpc-web",
});
