// How format 2 should compress its blobs, measured on the dump benchmark's objects
// (format2-objects.mjs): each blob alone (raw deflate), with a preset dictionary taken from the
// first snapshot, in frames of several blobs compressed together, and frames with the dictionary.
// For each: stored bytes of a full snapshot (YAML and tree blobs, index entries in the pack header
// and the index file) as % of its YAML, plain and encrypted; write and read MB/s; what a second
// snapshot with 1% of the objects changed uploads; 30 hourly snapshots against one full one. Then
// the same two snapshots through the real writer (writeSnapshotV2), plain and encrypted.
// Run after `npx turbo run build`: node packages/repository/bench/format2-compression.mjs [objects] [namespaces]
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync, gzipSync, inflateRawSync } from "node:zlib";
import { deriveFormat2Keys, loadBlobIndex, writeSnapshotV2 } from "../dist/format2/index.js";
import { TreeBuilder } from "../dist/format2/tree-builder.js";
import { createLocalObjectStore } from "../dist/stores/local-object-store.js";
import { benchObject } from "./format2-objects.mjs";

const N = Number(process.argv[2] ?? 20000);
const NAMESPACES = Number(process.argv[3] ?? 10);
const LEVEL = 6;
const SEAL = 28; // nonce + tag of a sealed box
const DICT_BYTES = 32 * 1024;
const sha = (b) => createHash("sha256").update(b).digest("hex");

/** Every blob of a snapshot in the order a writer stores them: YAML, then tree nodes. */
async function snapshotBlobs(revisionOf) {
  const tree = new TreeBuilder();
  const blobs = new Map();
  let yaml = 0;
  for (let i = 0; i < N; i++) {
    const { record, data } = benchObject(i, NAMESPACES, revisionOf(i));
    const id = sha(data);
    if (!blobs.has(id)) blobs.set(id, data);
    tree.add(record, id);
    yaml += data.length;
  }
  await tree.build(async (node) => {
    const id = sha(node);
    if (!blobs.has(id)) blobs.set(id, node);
    return id;
  });
  return { blobs, yaml };
}

/** 32 KiB of the lines found most often in the first 2,000 blobs, the commonest last (deflate reaches them cheapest). */
function buildDictionary(blobs) {
  const counts = new Map();
  for (const data of blobs.slice(0, 2000))
    for (const line of data.toString().split("\n")) if (line.length > 3) counts.set(line, (counts.get(line) ?? 0) + 1);
  const ranked = [...counts].filter(([, c]) => c > 1).sort((a, b) => b[1] * b[0].length - a[1] * a[0].length);
  const picked = [];
  let size = 0;
  for (const [line] of ranked) {
    if (size + line.length + 1 > DICT_BYTES) break;
    picked.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${picked.reverse().join("\n")}\n`);
}

/** Compressed units of `blobs`: one per blob (frameBytes 0) or frames of about frameBytes of plaintext. */
function compress(blobs, frameBytes, dictionary) {
  const opts = dictionary ? { level: LEVEL, dictionary } : { level: LEVEL };
  const units = [];
  if (frameBytes === 0) {
    for (const b of blobs) units.push({ stored: deflateRawSync(b, opts), raw: b.length, blobs: 1 });
    return units;
  }
  let open = [];
  let raw = 0;
  const close = () => {
    if (open.length === 0) return;
    units.push({ stored: deflateRawSync(Buffer.concat(open), opts), raw, blobs: open.length });
    [open, raw] = [[], 0];
  };
  for (const b of blobs) {
    open.push(b);
    raw += b.length;
    if (raw >= frameBytes) close();
  }
  close();
  return units;
}

function storedBytes(units, entryBytes, encrypted) {
  const blobs = units.reduce((s, u) => s + u.blobs, 0);
  const payload = units.reduce((s, u) => s + Math.min(u.stored.length, u.raw) + (encrypted ? SEAL : 0), 0);
  return payload + 2 * blobs * entryBytes; // each entry is in a pack header and in an index file
}

function readAll(units, dictionary) {
  const opts = dictionary ? { dictionary } : {};
  for (const u of units) inflateRawSync(u.stored, opts);
}

const METHODS = [
  { name: "each blob alone (now)", frame: 0, dict: false, entry: 46 },
  { name: "each blob, 32 KiB dictionary", frame: 0, dict: true, entry: 46 },
  { name: "frames of 32 KiB", frame: 32 * 1024, dict: false, entry: 54 },
  { name: "frames of 64 KiB", frame: 64 * 1024, dict: false, entry: 54 },
  { name: "frames of 128 KiB", frame: 128 * 1024, dict: false, entry: 54 },
  { name: "frames of 64 KiB + dictionary", frame: 64 * 1024, dict: true, entry: 54 },
];

const pct = (a, b) => `${((100 * a) / b).toFixed(2)}%`;
const mbps = (bytes, ms) => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;

const first = await snapshotBlobs(() => 1);
const changed = (i) => (i % 100 === 37 ? 2 : 1);
const second = await snapshotBlobs(changed);
const newBlobs = [...second.blobs].filter(([id]) => !first.blobs.has(id)).map(([, b]) => b);
const firstList = [...first.blobs.values()];
const dictionary = buildDictionary(firstList);
const treeBlobs = firstList.length - N;
console.log(
  `${N} objects in ${NAMESPACES} namespaces: ${(first.yaml / 1e6).toFixed(1)} MB of YAML, ${firstList.length} blobs ` +
    `(${treeBlobs} tree); second snapshot: ${newBlobs.length} new blobs; dictionary ${dictionary.length} bytes`,
);
const yamlOnly = firstList.slice(0, firstList.length - treeBlobs);
const gz = gzipSync(Buffer.concat(yamlOnly), { level: LEVEL }).length;
console.log(
  `format 1 (the YAML as one gzip stream): ${pct(gz, first.yaml)}; index entries alone: 2 x 46 bytes a blob = ${pct(2 * 46 * firstList.length, first.yaml)}`,
);
const trees = firstList.slice(firstList.length - treeBlobs);
const treeRaw = trees.reduce((sum, b) => sum + b.length, 0);
const treeFramed = storedBytes(compress(trees, 64 * 1024), 0, false);
console.log(
  `tree blobs: ${pct(treeRaw, first.yaml)} of the YAML's size raw, ${pct(treeFramed, first.yaml)} in frames of 64 KiB`,
);
console.log(
  "| method | full, plain | full, encrypted | write | read all | one object | 2nd snapshot uploads | 30 hourly / full |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const m of METHODS) {
  const dict = m.dict ? dictionary : undefined;
  let t = performance.now();
  const units = compress(firstList, m.frame, dict);
  const writeMs = performance.now() - t;
  t = performance.now();
  readAll(units, dict);
  const readMs = performance.now() - t;
  const oneObjectUs = (readMs * 1000) / units.length; // one object costs one unit's inflate
  const full = storedBytes(units, m.entry, false) + (m.dict ? dictionary.length : 0);
  const fullEnc = storedBytes(units, m.entry, true) + (m.dict ? dictionary.length + SEAL : 0);
  const incr = storedBytes(compress(newBlobs, m.frame, dict), m.entry, false);
  console.log(
    `| ${m.name} | ${pct(full, first.yaml)} | ${pct(fullEnc, first.yaml)} | ${mbps(first.yaml, writeMs)} | ` +
      `${mbps(first.yaml, readMs)} | ${oneObjectUs.toFixed(0)} µs | ${incr} B = ${pct(incr, full)} | ` +
      `${((full + 29 * incr) / full).toFixed(2)}x |`,
  );
}

/** The real writer (frames of DEFAULT_FRAME_TARGET_BYTES) into a local directory: both snapshots' stored bytes. */
async function realWriter(keys) {
  const root = await mkdtemp(join(tmpdir(), "kubedump-f2-compression-"));
  try {
    const store = createLocalObjectStore({ root });
    const objects = (revisionOf) => Array.from({ length: N }, (_, i) => benchObject(i, NAMESPACES, revisionOf(i)));
    const ids = ["20261201T000000Z-00000001", "20261201T010000Z-00000001"];
    const sizes = [];
    for (const [n, revisionOf] of [() => 1, changed].entries()) {
      const { index } = await loadBlobIndex({ store, keys });
      const draft = {
        ...{ id: ids[n], time: "2026-12-01T00:00:00.000Z", completedAt: "2026-12-01T00:00:01.000Z" },
        ...{
          source: { kind: "cli" },
          cluster: { version: "v1.34.0" },
          scope: { type: "cluster" },
          params: {},
          warnings: [],
        },
      };
      const manifest = await writeSnapshotV2({ store, keys, index }, draft, objects(revisionOf));
      sizes.push(manifest.storedBytes);
    }
    return sizes;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

for (const [name, keys] of [
  ["plain", null],
  ["encrypted", deriveFormat2Keys(Buffer.alloc(32, 7))],
]) {
  const [full, incr] = await realWriter(keys);
  console.log(
    `PackWriter (${name}): full snapshot ${full} B = ${pct(full, first.yaml)} of the YAML; second ${incr} B = ` +
      `${pct(incr, full)} of the first; 30 hourly / full ${((full + 29 * incr) / full).toFixed(2)}x`,
  );
}
