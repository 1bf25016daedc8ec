// Builds the admin page (web/) with Vite into web/dist, or into `--out <dir>`.
//
// Runs on `npm install` (postinstall, with --if-available: an install without
// dev dependencies has no Vite and skips it with a note) and as
// `npm run build:web`. The browser tests build their own copy from the sources.
// Scripts and styles are also written compressed (.br, .gz) once, here, so
// the server never compresses per request.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const args = process.argv.slice(2);
const webDir = join(dirname(fileURLToPath(import.meta.url)), "..", "web");
const outIndex = args.indexOf("--out");
const outDir = outIndex === -1 ? join(webDir, "dist") : resolve(args[outIndex + 1] ?? "");

let vite;
try {
  vite = await import("vite");
} catch (error) {
  if (!args.includes("--if-available")) throw error;
  console.warn("switchyard: vite is not installed, the admin page was not built (npm run build:web after installing dev dependencies)");
  process.exit(0);
}

await vite.build({
  configFile: false,
  root: webDir,
  base: "/",
  logLevel: "warn",
  build: { outDir, emptyOutDir: true, target: "es2022", reportCompressedSize: false, chunkSizeWarningLimit: 1000 },
});

for (const entry of readdirSync(join(outDir, "assets"))) {
  if (!/\.(js|css)$/.test(entry)) continue;
  const file = join(outDir, "assets", entry);
  const content = readFileSync(file);
  writeFileSync(`${file}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
}
