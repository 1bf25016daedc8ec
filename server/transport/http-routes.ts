import type { connectNodeAdapter } from "@connectrpc/connect-node";

/** A Node request handler for HTTP/1.1 and HTTP/2, as `connectNodeAdapter` returns. */
export type NodeHandler = ReturnType<typeof connectNodeAdapter>;

/** Serves one plain HTTP endpoint, such as `/metrics`. */
export type StaticRouteHandler = NodeHandler;

/**
 * Wraps a Connect handler with plain GET endpoints matched by exact path (the
 * query string is ignored). HEAD is answered like GET; other methods on a
 * route's path get 405. Every other request goes to `handler`.
 */
export function withStaticRoutes(handler: NodeHandler, routes: Record<string, StaticRouteHandler>): NodeHandler {
  const byPath = new Map(Object.entries(routes));
  return (request, response) => {
    const route = byPath.get(pathOf(request.url));
    if (route === undefined) {
      handler(request, response);
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      response.end("method not allowed\n");
      return;
    }
    route(request, response);
  };
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return "/";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}
