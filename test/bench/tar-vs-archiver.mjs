#!/usr/bin/env node
// The snapshot part writer (packages/repository: our tar writer, gzip on a worker thread) against
// archiver (TarArchive with gzip, fed the same buffers), on the same generated YAML objects, each
// in a fresh child process, in ABBA order. Prints both sides' medians: wall time, CPU, peak RSS and
// archive size, and checks with GNU tar that both archives list the same entries.
// docs/decisions.md cites this script.
//
//   npm run build && node test/bench/tar-vs-archiver.mjs                 # 10,000 objects, 4 runs each
//   node test/bench/tar-vs-archiver.mjs --objects 100000 --runs 6 --gzip-level 1
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { childConfig, cpuSeconds, emitResult, fmt, MiB, maxRssBytes, median, runMeasurement } from "./lib/common.mjs";

const SELF = fileURLToPath(import.meta.url);
const IS_CHILD = process.argv[2]?.startsWith("{");
const { values: args } = IS_CHILD
  ? { values: {} }
  : parseArgs({
      args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--")),
      options: {
        objects: { type: "string", default: "10000" },
        runs: { type: "string", default: "4" },
        "gzip-level": { type: "string", default: "1" },
        help: { type: "boolean", default: false },
      },
    });
const USAGE = "usage: node test/bench/tar-vs-archiver.mjs [--objects N] [--runs R] [--gzip-level 0-9]";

/** N objects of 0.5–3 KB, shaped like sanitized ConfigMaps and Deployments, paths as in a snapshot. */
function objects(n) {
  return Array.from({ length: n }, (_, i) => {
    const ns = `bench-${i % 10}`;
    const kind = i % 2 ? ["deployments.apps", "Deployment"] : ["configmaps", "ConfigMap"];
    const pad = "  key-" + "x".repeat(40) + ": value\n";
    const yaml =
      `apiVersion: v1\nkind: ${kind[1]}\nmetadata:\n  name: obj-${i}\n  namespace: ${ns}\n` +
      `  labels:\n    app: bench\n    index: '${i}'\ndata:\n${pad.repeat(8 + (i % 48))}`;
    return { path: `namespaces/${ns}/${kind[0]}/obj-${i}.yaml`, data: Buffer.from(yaml) };
  });
}

/** kubedump's way: the part writer, batches of 500 (a LIST page) as the dump engine adds them. */
async function ours(entries, dir, level) {
  const { createPartWriter } = await import("@kubedump/repository/archive");
  const writer = createPartWriter({ dir, gzipLevel: level, mtime: new Date(0) });
  for (let i = 0; i < entries.length; i += 500) await writer.add(entries.slice(i, i + 500));
  const { parts } = await writer.finish();
  return parts.map((p) => p.file);
}

/** archiver's way: every buffer appended, then finalize, piped to the file. */
async function archiver(entries, dir, level) {
  const { TarArchive } = await import("archiver");
  const file = join(dir, "archiver.tar.gz");
  const archive = new TarArchive({ gzip: true, gzipOptions: { level } });
  const written = pipeline(archive, createWriteStream(file));
  for (const e of entries) archive.append(e.data, { name: e.path, date: new Date(0) });
  await archive.finalize();
  await written;
  return [file];
}

/** A measurement child: one side, in a fresh process, so peak RSS is that side's own. */
async function child() {
  const cfg = childConfig();
  const entries = objects(cfg.objects);
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const files = await (cfg.side === "ours" ? ours : archiver)(entries, cfg.out, cfg.level);
  const seconds = (performance.now() - t0) / 1000;
  emitResult({ seconds, cpu: cpuSeconds() - cpu0, rss: maxRssBytes(), files });
}

const entriesOf = (files) =>
  files.flatMap((f) =>
    execFileSync("tar", ["-tzf", f], { encoding: "utf8", maxBuffer: 1 << 28 })
      .trim()
      .split("\n"),
  );

async function main() {
  const runs = Number(args.runs);
  const sides = { ours: [], archiver: [] };
  for (let run = 0; run < runs; run++) {
    const order = run % 2 ? ["archiver", "ours"] : ["ours", "archiver"];
    for (const side of order) {
      const out = mkdtempSync(join(tmpdir(), `kubedump-bench-${side}-`));
      try {
        const cfg = { side, out, objects: Number(args.objects), level: Number(args["gzip-level"]) };
        const r = await runMeasurement(SELF, cfg);
        r.bytes = r.files.reduce((sum, f) => sum + statSync(f).size, 0);
        if (run === 0) r.entries = entriesOf(r.files).sort();
        sides[side].push(r);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
  }
  const same = JSON.stringify(sides.ours[0].entries) === JSON.stringify(sides.archiver[0].entries);
  console.log(`${args.objects} objects, gzip level ${args["gzip-level"]}, ${runs} runs each (ABBA), medians:`);
  for (const [side, rs] of Object.entries(sides)) {
    const m = (k) => median(rs.map((r) => r[k]));
    console.log(
      `  ${side.padEnd(9)} ${fmt.f(m("seconds"), 3)} s wall, ${fmt.f(m("cpu"), 3)} s CPU, ` +
        `peak RSS ${fmt.mib(m("rss"))} MiB, ${fmt.f(m("bytes") / MiB, 2)} MiB archive`,
    );
  }
  console.log(`  GNU tar lists the same ${sides.ours[0].entries.length} entries in both: ${same ? "yes" : "NO"}`);
  if (!same) process.exitCode = 1;
}

if (IS_CHILD) await child();
else if (args.help) console.log(USAGE);
else await main();
