// Stages the third-party .proto files that proto/ imports into .protodeps/
// (gitignored), so `buf lint` and `buf generate` work without network access:
//
// - buf/validate/validate.proto is printed from the descriptor embedded in
//   @bufbuild/protovalidate (no package ships the .proto source);
// - gRPC health and reflection come from grpc-health-check and @grpc/reflection;
// - google/rpc/error_details.proto comes from google-proto-files.
//
// Runs on `npm install` (postinstall) and before `npm run generate`.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { printFileDescriptor } from "./print-proto.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, ".protodeps");
const require = createRequire(import.meta.url);
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));

rmSync(out, { recursive: true, force: true });

const { file_buf_validate_validate, predefined } = await import(
  "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js"
);
const validatePath = join(out, "buf/validate/validate.proto");
mkdirSync(dirname(validatePath), { recursive: true });
writeFileSync(validatePath, printFileDescriptor(file_buf_validate_validate.proto, [predefined]));

const copies = [
  ["grpc-health-check", "proto/health/v1/health.proto", "grpc/health/v1/health.proto"],
  ["@grpc/reflection", "build/proto/grpc/reflection/v1/reflection.proto", "grpc/reflection/v1/reflection.proto"],
  ["@grpc/reflection", "build/proto/grpc/reflection/v1alpha/reflection.proto", "grpc/reflection/v1alpha/reflection.proto"],
  ["google-proto-files", "google/rpc/error_details.proto", "google/rpc/error_details.proto"],
];
for (const [pkg, from, to] of copies) {
  mkdirSync(dirname(join(out, to)), { recursive: true });
  cpSync(join(packageDir(pkg), from), join(out, to));
}
