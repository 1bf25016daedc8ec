#!/usr/bin/env node
// The `switchyard` CLI: runs cli/main.ts through tsx (a runtime dependency),
// with this repository's tsconfig wherever it is started from.
import { fileURLToPath } from "node:url";

// Start-up time: the libraries are plain JavaScript, so they are loaded before
// tsx's hooks exist. Every module the hooks see costs a round trip to tsx's
// loader thread; these ~150 would add about half a second to each command.
// The TypeScript that imports them later gets the same, already loaded modules.
await Promise.all(
  [
    "@bufbuild/protobuf",
    "@bufbuild/protobuf/wkt",
    "@bufbuild/protobuf/codegenv2",
    "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js",
    "@connectrpc/connect",
    "@connectrpc/connect-web",
    "@connectrpc/connect-node",
  ].map((specifier) => import(specifier)),
);

const { register } = await import("tsx/esm/api");
register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
await import("../cli/main.ts");
