#!/usr/bin/env node
// The recorder's restart alone (issue 22: RSS < 150 MiB at 100,000 objects, through a restart
// too): writes a journal like bench:recorder's (a first list of N additions, all at its start
// time, then M modifications a millisecond apart, flushed as the recorder flushes) to a local
// format-2 repository, then loads the recorder's base from it in a process of its own, twice: as
// the recorder does (loadJournalBase: segment after segment into the object tables) and as it
// did before (stateAt's state, every record in memory, then the tables). It prints each one's
// peak RSS (VmHWM), V8's heap held after a full collection with the base still held, and its time,
// side by side. No cluster needed. See docs/benchmarks.md ("Continuous capture").
//
//   npm run bench:recorder-restart                          # 100,000 objects, 60,000 modifications
//   npm run bench:recorder-restart -- --objects 20000 --changes 12000
//   npm run bench:recorder-restart -- --anchor   # the N objects in a scheduled snapshot, the journal after it
//   npm run bench:recorder-restart -- --patched  # the same, the snapshot's tree a patch of an older one's
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadBlobIndex, SnapshotWriterV2 } from "@kubedump/repository/format2";
import { JournalReader, JournalWriter } from "@kubedump/repository/journal";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { loadJournalBase } from "../../services/recorder/dist/journal-base.js";
import { nameKey } from "../../services/recorder/dist/object-change.js";
import { ObjectTable } from "../../services/recorder/dist/object-table.js";
import { tuneV8ForRecorder } from "../../services/recorder/dist/v8-tuning.js";
import { benchArgs } from "./lib/bench-args.mjs";
import { MiB } from "./lib/common.mjs";

const USAGE = `usage: npm run bench:recorder-restart -- [--objects N] [--changes M] [--namespaces K] [--node-options FLAGS]
  --objects      objects of the first list, journaled as added (default 100000)
  --changes      modifications journaled after it (default 60000)
  --namespaces   namespaces the objects are spread over (default 20)
  --node-options node flags of the two loading processes (default --max-semi-space-size=1, the chart's)
  --anchor       the N objects are in a format-2 snapshot of the scope (the anchor, as a scheduled
                 backup leaves it) and the journal holds only the M modifications after it
  --patched      as --anchor, the anchor's tree a patch: of a whole snapshot a minute older, 1% changed`;
const SCOPE = { scope: { type: "namespace", namespace: "recorder-bench" }, params: {} };
const T0 = Date.parse("2026-12-04T20:00:00Z");
const HERE = fileURLToPath(import.meta.url);

/** The recorder's old start: stateAt's whole state, then the tables. */
async function stateAtBase(reader, now) {
  const state = await reader.stateAt(now);
  const types = new Map();
  for (const { ref, blob } of state.objects.values()) {
    const key = ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
    const objects = types.get(key) ?? new ObjectTable();
    types.set(key, objects);
    objects.set(nameKey(ref.name, ref.namespace), { uid: ref.uid, blob, pass: 0 });
  }
  state.objects.clear();
  return types;
}

/** A format-2 snapshot of the scope holding every object at revision 0, completed just before T0. */
/**
 * The anchor: a snapshot of `refs` as a scheduled backup leaves it; `patched`: a whole snapshot,
 * then one a minute later with 1% of the objects changed, whose tree is a patch of the first's.
 */
async function writeAnchor(root, refs, yaml, patched) {
  const store = createLocalObjectStore({ root });
  const kind = "ConfigMap";
  const whole = { id: "20261204T195900Z-0badcafe", before: 60_000, revision: () => 0 };
  const snapshots = patched
    ? [
        { ...whole, id: "20261204T195800Z-0badcafe", before: 120_000 },
        { ...whole, revision: (i) => (i % 100 === 0 ? -1 : 0) },
      ]
    : [whole];
  for (const { id, before, revision } of snapshots) {
    const { index } = await loadBlobIndex({ store, keys: null });
    const writer = new SnapshotWriterV2({ store, keys: null, index });
    for (let i = 0; i < refs.length; i += 500)
      await writer.add(
        refs.slice(i, i + 500).map((ref, j) => {
          const data = yaml(ref, revision(i + j));
          return { record: { ...ref, kind, sha256: "", bytes: data.length }, data };
        }),
      );
    await writer.commit({
      id,
      time: new Date(T0 - before).toISOString(),
      completedAt: new Date(T0 - before + 59_000).toISOString(),
      source: { kind: "cli" },
      cluster: { version: "v1.34.0" },
      ...SCOPE,
      warnings: [],
    });
  }
}

const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) * 1024;

async function child(mode, root) {
  tuneV8ForRecorder(20); // the recorder's HEAP_GROWING_PERCENT by default
  const reader = new JournalReader({ store: createLocalObjectStore({ root }), keys: null, scope: SCOPE });
  const now = T0 + 3_600_000;
  const before = process.memoryUsage().rss;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapTotal);
  }, 20);
  const started = performance.now();
  const types = mode === "streamed" ? (await loadJournalBase(reader, now)).types : await stateAtBase(reader, now);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  globalThis.gc?.();
  const heap = process.memoryUsage().heapUsed;
  const objects = [...types.values()].reduce((n, t) => n + t.size, 0);
  process.stdout.write(`${JSON.stringify({ seconds, before, hwm: hwm(), heapPeak, heap, objects })}\n`);
}

async function main() {
  const { args, int } = benchArgs(
    {
      objects: { type: "string", default: "100000" },
      changes: { type: "string", default: "60000" },
      namespaces: { type: "string", default: "20" },
      "node-options": { type: "string", default: "--max-semi-space-size=1" },
      anchor: { type: "boolean" },
      patched: { type: "boolean" },
      child: { type: "string" },
      root: { type: "string" },
    },
    USAGE,
  );
  if (args.child) return child(args.child, args.root);
  const [N, M, K] = ["objects", "changes", "namespaces"].map(int);
  const root = mkdtempSync(join(tmpdir(), "kubedump-bench-restart-"));
  try {
    const writer = new JournalWriter({ store: createLocalObjectStore({ root }), keys: null, scope: SCOPE });
    const refs = Array.from({ length: N }, (_, i) => ({
      group: "",
      version: "v1",
      resource: "configmaps",
      namespace: `recorder-bench-${i % K}`,
      name: `cm-${String(i).padStart(6, "0")}`,
      uid: randomUUID(),
    }));
    const yaml = (ref, revision) =>
      Buffer.from(
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${ref.name}\n  namespace: ${ref.namespace}\n` +
          `data:\n  value: "${revision}-${ref.uid}"\n`,
      );
    const started = performance.now();
    const anchored = args.anchor || args.patched;
    if (anchored) await writeAnchor(root, refs, yaml, args.patched);
    else
      for (const ref of refs)
        await writer.append({ time: T0, kind: "added", ref, resourceVersion: "1", data: yaml(ref, 0) });
    for (let i = 0; i < M; i++) {
      const ref = refs[(i * 7919) % N];
      const data = yaml(ref, i + 1);
      await writer.append({ time: T0 + 1000 + i, kind: "modified", ref, resourceVersion: `${i + 2}`, data });
    }
    await writer.close();
    const segments = await new JournalReader({
      store: createLocalObjectStore({ root }),
      keys: null,
      scope: SCOPE,
    }).listSegments();
    process.stderr.write(
      `bench: ${anchored ? `an anchor snapshot of ${N} objects${args.patched ? " (its tree a patch)" : ""}, a` : "a"} journal of ${anchored ? 0 : N} additions and ${M} modifications, ${segments.length} segments, written in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    const runs = {};
    for (const mode of ["stateAt", "streamed"]) {
      const out = spawnSync(
        process.execPath,
        [...args["node-options"].split(" ").filter(Boolean), "--expose-gc", HERE, "--child", mode, "--root", root],
        { encoding: "utf8", env: { ...process.env, MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: "131072" } },
      );
      if (out.status !== 0) throw new Error(`the ${mode} child failed: ${out.stderr}`);
      runs[mode] = JSON.parse(out.stdout.trim().split("\n").at(-1));
    }
    const row = (what, f) => `| ${what} | ${f(runs.stateAt)} | ${f(runs.streamed)} |\n`;
    process.stdout.write(
      `\n| the recorder's base, loaded alone | before (stateAt) | after (loadJournalBase) |\n|---|---:|---:|\n` +
        row("objects in the tables", (r) => r.objects.toLocaleString("en-US")) +
        row("RSS before loading (node, the modules)", (r) => `${(r.before / MiB).toFixed(0)} MiB`) +
        row("peak RSS (VmHWM)", (r) => `${(r.hwm / MiB).toFixed(0)} MiB`) +
        row("V8 heap's peak size (sampled every 20 ms)", (r) => `${(r.heapPeak / MiB).toFixed(0)} MiB`) +
        row("V8 heap held after a full GC", (r) => `${(r.heap / MiB).toFixed(1)} MiB`) +
        row("time", (r) => `${r.seconds.toFixed(1)} s`),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
