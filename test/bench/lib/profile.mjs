// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by area, and
// inclusive time of the functions that matter to a dump.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Which code a call frame belongs to: a workspace package, an npm package, node itself, or V8. */
export function areaOf(url, functionName) {
  if (!url) return functionName.startsWith("(") ? functionName : "(native/V8)";
  const ws = url.match(/\/packages\/([^/]+)\//);
  if (ws && !url.includes("/node_modules/")) return `@kubedump/${ws[1]}`;
  const nm = url.match(/.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (nm) return nm[1];
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  if (url.includes("/test/bench/")) return "bench harness";
  return url;
}

const short = (url) => url.replace(/^file:\/\//, "").replace(/.*\/(node_modules|packages)\//, "$1/");

/** The functions whose inclusive time a dump's profile summary shows. */
export const DUMP_FUNCTIONS = [
  "runDump",
  "write",
  "toYaml",
  "yamlDump",
  "sanitize",
  "once",
  "listPages",
  "addFile",
  "send",
  "commitSnapshot",
];

export function summariseProfile(file, { top = 15, inclusive = [] } = {}) {
  const prof = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => {
    const f = n.callFrame;
    const name = f.functionName || "(anonymous)";
    // js-yaml's scalar regexps are kilobytes long.
    const label = name.length > 60 ? `${name.slice(0, 57)}...` : name;
    return `${label} ${f.url ? `${short(f.url)}:${f.lineNumber + 1}` : ""}`.trim();
  };
  const self = new Map();
  const areas = new Map();
  const incl = new Map(inclusive.map((name) => [name, 0]));
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000; // µs → ms
    const node = byId.get(prof.samples[i]);
    if (!node) continue;
    total += dt;
    const k = keyOf(node);
    self.set(k, (self.get(k) ?? 0) + dt);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + dt);
    if (incl.size) {
      const seen = new Set();
      for (let id = node.id; id !== undefined; id = parent.get(id)) {
        const name = byId.get(id).callFrame.functionName;
        if (incl.has(name) && !seen.has(name)) {
          seen.add(name);
          incl.set(name, incl.get(name) + dt);
        }
      }
    }
  }
  const sorted = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: total,
    self: sorted(self)
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms, pct: (100 * ms) / total })),
    areas: sorted(areas)
      .slice(0, top)
      .map(([area, ms]) => ({ area, ms, pct: (100 * ms) / total })),
    inclusive: sorted(incl).map(([fn, ms]) => ({ fn, ms, pct: (100 * ms) / total })),
  };
}

export function formatProfile(s) {
  const line = (label, ms, pct) => `  ${ms.toFixed(0).padStart(7)} ms ${pct.toFixed(1).padStart(5)}%  ${label}`;
  return [
    `CPU profile: ${s.totalMs.toFixed(0)} ms sampled`,
    "self time by area:",
    ...s.areas.map((a) => line(a.area, a.ms, a.pct)),
    "self time by function (top):",
    ...s.self.map((f) => line(f.fn, f.ms, f.pct)),
    ...(s.inclusive.length
      ? ["inclusive time of selected functions:", ...s.inclusive.map((f) => line(f.fn, f.ms, f.pct))]
      : []),
  ].join("\n");
}

/**
 * The profiles `node --cpu-prof --cpu-prof-dir=DIR` wrote that were not in `before`, one per thread:
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile, thread 0 the main thread.
 */
export function newProfiles(dir, before) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile") && !before.has(f))
    .sort();
  const main = files.find((f) => f.split(".")[4] === "0") ?? files[0];
  if (!main) throw new Error(`no profile written to ${dir}`);
  return { main: join(dir, main), others: files.filter((f) => f !== main).map((f) => join(dir, f)) };
}
