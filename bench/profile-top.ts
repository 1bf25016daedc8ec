/**
 * `npx tsx bench/profile-top.ts <file.cpuprofile> [count]`: the top frames of
 * a V8 CPU profile (as `node --cpu-prof` writes it, e.g. from
 * `BENCH_CPU_PROF=<dir> npm run bench:delivery`) by self time, and self time
 * summed per package (or per server/ folder), idle time left out.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, countText] = process.argv.slice(2);
if (!file) throw new Error("usage: tsx bench/profile-top.ts <file.cpuprofile> [count]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));

/** Where a frame's code lives: a package, a folder of this repository, node's own code, or V8. */
function placeOf(url: string): string {
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1]!;
  const own = /\/((?:server|bench|gen)\/(?:[^/]+\/)?)/.exec(url);
  if (own) return own[1]!;
  if (url.startsWith("node:")) return "node";
  return url === "" ? "(v8/native)" : url;
}

const selfByFrame = new Map<string, number>();
const selfByPlace = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, index) => {
  const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
  if (functionName === "(idle)") return;
  const micros = profile.timeDeltas[index] ?? 0;
  total += micros;
  const frame = `${functionName || "(anonymous)"} ${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(server|bench|gen)\//, "$1/")}:${lineNumber + 1}`;
  selfByFrame.set(frame, (selfByFrame.get(frame) ?? 0) + micros);
  const place = placeOf(url);
  selfByPlace.set(place, (selfByPlace.get(place) ?? 0) + micros);
});

const top = (map: Map<string, number>, count: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => `${((100 * micros) / total).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`);

console.log(`busy ${(total / 1000).toFixed(0)} ms (idle left out)\n\nself time by place:`);
console.log(top(selfByPlace, 15).join("\n"));
console.log(`\ntop frames by self time:`);
console.log(top(selfByFrame, Number(countText ?? 30)).join("\n"));
