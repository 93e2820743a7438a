#!/usr/bin/env node
// Experiment (not a benchmark of record): the dump pipeline that both repository formats share,
// alone and in one process: each recorded LIST page read as the dump reads it (readListPage,
// ItemPage with managedFields left out), every object sanitized and written as YAML bytes
// (storedYaml). No HTTP, no archive, no repository. The pages are a recording of
// `npm run bench:replay -- record`. Each run is a fresh child of one checkout's code (built),
// checkouts alternating, and prints its CPU; the medians come side by side, with a check that
// every checkout wrote the same bytes.
//   node test/bench/experiments/pipeline-cpu.mjs --pages pages.json --roots .,/work/wt/base --runs 4 --rounds 2
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { median } from "../lib/common.mjs";

const HERE = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(HERE), "../../..");
const { values: args } = parseArgs({
  options: {
    pages: { type: "string" },
    roots: { type: "string", default: "." },
    runs: { type: "string", default: "4" },
    rounds: { type: "string", default: "2" },
    child: { type: "string" },
  },
});

/** The list pages of a recording: the bodies of LISTs that have items, with their apiVersion and kind. */
function recordedPages(file) {
  const pages = [];
  for (const [key, answer] of Object.entries(JSON.parse(readFileSync(file, "utf8")))) {
    const m = key.match(/ \/(?:api\/v1|apis\/([^/]+)\/([^/]+))\/(?:namespaces\/[^/?]+\/)?[a-z.]+\?/);
    if (!m || key.includes("/namespaces?")) continue;
    const body = Buffer.from(answer.body, "base64");
    const kind = body.toString("latin1", 0, 300).match(/"kind":"(\w+)List"/)?.[1];
    if (kind && body.includes('"items":[{')) pages.push({ body, apiVersion: m[1] ? `${m[1]}/${m[2]}` : "v1", kind });
  }
  return pages;
}

async function child(root) {
  const { tuneV8ForDumps } = await import(`${root}/packages/dump/dist/v8-tuning.js`);
  tuneV8ForDumps();
  const { readListPage, ItemPage } = await import(`${root}/packages/kube/dist/list.js`);
  const { storedYaml } = await import(`${root}/packages/dump/dist/serialize.js`);
  const pages = recordedPages(args.pages);
  const hash = createHash("sha256");
  let objects = 0;
  const rounds = Number(args.rounds);
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    for (const p of pages) {
      const { bounds, objects: parsed } = readListPage(p.body);
      for (const obj of new ItemPage(p.body, bounds, parsed, p.apiVersion, p.kind, new Set(), true)) {
        const data = storedYaml(obj, true);
        objects++;
        if (r === 0) hash.update(data);
      }
    }
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      objects: objects / rounds,
      cpu: (cpu.user + cpu.system) / 1e6 / rounds,
      sha256: hash.digest("hex"),
    }),
  );
}

function main() {
  if (!args.pages) throw new Error("--pages: a recording of `npm run bench:replay -- record`");
  const roots = args.roots.split(",").map((r) => resolve(ROOT, r));
  const results = new Map(roots.map((r) => [r, []]));
  for (let run = 0; run < Number(args.runs); run++) {
    for (const root of run % 2 ? [...roots].reverse() : roots) {
      const out = spawnSync(process.execPath, [HERE, "--child", root, "--pages", args.pages, "--rounds", args.rounds], {
        encoding: "utf8",
      });
      if (out.status !== 0) throw new Error(`child for ${root} exited ${out.status}: ${out.stderr}`);
      const r = JSON.parse(out.stdout.trim().split("\n").pop());
      results.get(root).push(r);
      console.error(`run ${run + 1} ${root}: ${r.objects} objects, ${r.cpu.toFixed(3)} CPU-s per pass`);
    }
  }
  const digests = new Set([...results.values()].flatMap((rs) => rs.map((r) => r.sha256)));
  console.log(
    `the shared pipeline alone, CPU-s per pass over ${[...results.values()][0][0].objects} objects (median of ${args.runs} runs, ${args.rounds} passes each):`,
  );
  for (const [root, rs] of results) console.log(`  ${median(rs.map((r) => r.cpu)).toFixed(3)}  ${root}`);
  console.log(
    digests.size === 1 ? "  the same YAML bytes from every checkout" : `  YAML DIFFERS: ${[...digests].join(" ")}`,
  );
}

if (args.child) await child(args.child);
else main();
