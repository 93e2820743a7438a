// What each format-2 snapshot stores, split by kind, for hourly snapshots of the dump benchmark's
// objects (format2-objects.mjs) with 1% changed before each after the first, spread as
// bench:incremental spreads them (test/bench/lib/change.mjs: one object in every stretch of 100).
// Through the real writer (writeSnapshotV2) into a local directory; no servers. For each snapshot:
// bytes stored, YAML frames, tree frames (a frame with a tree blob counts as tree), entries (pack
// headers and index file, 54 bytes each), new blobs.
// Run after `npx turbo run build`:
//   node packages/repository/bench/format2-tree-bytes.mjs [objects=20000] [hours=5] [namespaces=10] [--encrypted] [--whole-trees]
// --whole-trees: every snapshot stores its whole tree (patchTree: false), as before patches.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { changedIndices } from "../../../test/bench/lib/change.mjs";
import { deriveFormat2Keys, loadBlobIndex, writeSnapshotV2 } from "../dist/format2/index.js";
import { readIndexFiles } from "../dist/format2/index-loader.js";
import { createLocalObjectStore } from "../dist/stores/local-object-store.js";
import { benchObject } from "./format2-objects.mjs";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const N = Number(args[0] ?? 20000);
const HOURS = Number(args[1] ?? 5);
const NAMESPACES = Number(args[2] ?? 10);
const keys = process.argv.includes("--encrypted") ? deriveFormat2Keys(Buffer.alloc(32, 7)) : null;
const patchTree = !process.argv.includes("--whole-trees");
const ENTRY = 54;

const root = await mkdtemp(join(tmpdir(), "kubedump-f2-tree-bytes-"));
const store = createLocalObjectStore({ root });
const revision = new Array(N).fill(1);
const rows = [];
try {
  for (let hour = 0; hour < HOURS; hour++) {
    if (hour > 0) for (const i of changedIndices(hour, Math.round(N * 0.01), N)) revision[i] += 1;
    const { index } = await loadBlobIndex({ store, keys });
    const day = String(1 + Math.floor(hour / 24)).padStart(2, "0");
    const id = `202612${day}T${String(hour % 24).padStart(2, "0")}0000Z-00000001`;
    const draft = {
      ...{ id, time: "2026-12-01T00:00:00.000Z", completedAt: "2026-12-01T00:00:01.000Z" },
      ...{
        source: { kind: "cli" },
        cluster: { version: "v1.34.0" },
        scope: { type: "cluster" },
        params: {},
        warnings: [],
      },
    };
    const objects = Array.from({ length: N }, (_, i) => benchObject(i, NAMESPACES, revision[i]));
    const yaml = objects.reduce((s, o) => s + o.data.length, 0);
    const started = performance.now();
    const manifest = await writeSnapshotV2({ store, keys, index, patchTree }, draft, objects);
    const seconds = (performance.now() - started) / 1000;
    // Frames of this snapshot's packs, by the type of their blobs (a mixed frame counts as tree).
    const frames = new Map();
    const blobs = { data: 0, tree: 0 };
    let treeRaw = 0;
    const packs = await packsOf(manifest);
    for (const pack of packs) {
      for (const e of pack.entries) {
        blobs[e.type] += 1;
        if (e.type === "tree") treeRaw += e.rawLength;
        const key = `${pack.id}:${e.offset}`;
        const f = frames.get(key) ?? { length: e.length, tree: false };
        f.tree ||= e.type === "tree";
        frames.set(key, f);
      }
    }
    const treeFrames = [...frames.values()].filter((f) => f.tree).reduce((s, f) => s + f.length, 0);
    const dataFrames = [...frames.values()].filter((f) => !f.tree).reduce((s, f) => s + f.length, 0);
    const entries = (blobs.data + blobs.tree) * ENTRY * 2;
    rows.push({
      hour: hour + 1,
      seconds,
      stored: manifest.storedBytes,
      yaml,
      dataFrames,
      treeFrames,
      treeRaw,
      entries,
      ...blobs,
    });
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

/** The packs of the index files `manifest` wrote. */
async function packsOf(manifest) {
  const out = [];
  for await (const file of readIndexFiles({ store, keys }))
    if (manifest.indexes.includes(file.id)) out.push(...file.packs);
  return out;
}

const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
const full = rows[0].stored;
console.log(
  `${N} objects, ${NAMESPACES} namespaces, ${keys ? "encrypted" : "plain"}, ${patchTree ? "patches" : "whole trees"}; full snapshot ${kb(full)} (${((100 * full) / rows[0].yaml).toFixed(2)}% of ${kb(rows[0].yaml)} YAML)`,
);
console.log(
  "hour | write s | stored | ÷ full | YAML frames | tree frames | tree plaintext | entries ×2 | new data blobs | new tree blobs",
);
for (const r of rows)
  console.log(
    [
      r.hour,
      r.seconds.toFixed(2),
      kb(r.stored),
      `${((100 * r.stored) / full).toFixed(2)}%`,
      kb(r.dataFrames),
      kb(r.treeFrames),
      kb(r.treeRaw),
      kb(r.entries),
      r.data,
      r.tree,
    ].join(" | "),
  );
const all = rows.reduce((s, r) => s + r.stored, 0);
const later = rows.slice(1).map((r) => r.stored);
const mean = later.reduce((s, x) => s + x, 0) / later.length;
console.log(
  `all ${HOURS}: ${(all / full).toFixed(3)}x one full; 30 hourly at the mean later hour: ${((full + 29 * mean) / full).toFixed(3)}x`,
);
