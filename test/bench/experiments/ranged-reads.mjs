// When BlobSource should read a pack whole and when only the frames it needs (ranged reads): the
// largest pack of 100,000 small YAML blobs (snapshot frames: 64 KiB, zlib level 1), on MinIO and
// on a local directory; for a share of its frames wanted, clustered (a run of frames, as a
// snapshot's tree blobs lie) or spread (every k-th frame), the time to read their blobs whole
// (readPack: the pack fetched, hashed, its header decoded) and by ranges (frameRanges: frames
// RANGE_REQUEST_BYTES apart or closer in one, RANGE_MOST_BYTES at most, one range ahead), median
// of 5. Figures in docs/benchmarks.md ("Ranged reads: when a pack is read whole").
//   node test/bench/experiments/ranged-reads.mjs [--gap BYTES] [--most BYTES]
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BlobIndex, PackWriter } from "@kubedump/repository/format2";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { s3StoreOptions, startTestEnv } from "@kubedump/testenv";
import { RANGE_REQUEST_BYTES, RANGE_MOST_BYTES } from "../../../packages/repository/dist/format2/blob-source.js";
import { blobOfFrame, byPlace } from "../../../packages/repository/dist/format2/pack-format.js";
import { framePlace, frameRanges, readPack, readRange } from "../../../packages/repository/dist/format2/pack-reader.js";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const [GAP, MOST] = [opt("gap", RANGE_REQUEST_BYTES), opt("most", RANGE_MOST_BYTES)];
const log = (m) => process.stderr.write(`${m}\n`);
log(
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}, gap ${GAP}, most ${MOST}`,
);

/** A Deployment-like YAML of about 1 KB, each one different (a hash in it, as real objects have uids and digests). */
const yaml = (i) =>
  Buffer.from(
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-${i}\n  namespace: team-${i % 37}\n` +
      `  annotations:\n    checksum/config: ${createHash("sha256").update(String(i)).digest("hex")}\n` +
      `spec:\n  replicas: ${i % 5}\n  template:\n    spec:\n      containers:\n      - image: registry.example.com/shop/web-${i}:1.${i % 97}.0\n` +
      `        resources: {limits: {cpu: 500m, memory: 256Mi}, requests: {cpu: 100m, memory: 128Mi}}\n`.repeat(2),
  );

/** The largest pack of 100,000 such blobs in packs of 16 MiB. */
async function writePack(store) {
  const writer = new PackWriter({ store, keys: null, index: new BlobIndex(), level: 1, targetBytes: 16 * 1024 * 1024 });
  for (let i = 0; i < 100_000; i++) await writer.add("data", yaml(i));
  const { packs } = await writer.finish();
  return packs.sort((a, b) => b.bytes - a.bytes)[0];
}

/** One entry of each frame of `pack`, in offset order. */
function framesOf(pack) {
  const seen = new Map();
  for (const e of [...pack.entries].sort(byPlace)) if (!seen.has(e.offset)) seen.set(e.offset, []);
  for (const e of pack.entries) seen.get(e.offset).push(e);
  return [...seen.values()];
}

function wantedFrames(frames, share, layout) {
  const n = Math.max(1, Math.round(frames.length * share));
  if (layout === "clustered") return frames.slice(frames.length - n);
  const step = frames.length / n;
  return Array.from({ length: n }, (_, i) => frames[Math.floor(i * step)]);
}

async function whole(store, pack, wanted) {
  const loaded = await readPack({ store, keys: null }, pack.id, pack.bytes);
  let bytes = 0;
  for (const frame of wanted) for (const e of frame) bytes += loaded.blob(e).length;
  return bytes;
}

async function ranged(store, pack, wanted) {
  const ranges = frameRanges(
    wanted.map((f) => f[0]),
    GAP,
    MOST,
  );
  const deps = { store: { getRange: store.getRange.bind(store) }, keys: null };
  const key = `data/${pack.id.slice(0, 2)}/${pack.id}`;
  let bytes = 0;
  let next = ranges.length > 0 ? readRange(deps, pack.id, ranges[0]) : undefined;
  for (let i = 0; i < ranges.length; i++) {
    const range = await next;
    next = i + 1 < ranges.length ? readRange(deps, pack.id, ranges[i + 1]) : undefined;
    for (const first of range.range.frames) {
      const frame = range.frame(first);
      for (const e of wanted.find((f) => framePlace(f[0]) === framePlace(first)) ?? [])
        bytes += blobOfFrame(null, key, e, frame).length;
    }
  }
  return { bytes, requests: ranges.length };
}

async function median(fn) {
  const times = [];
  let out;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    out = await fn();
    times.push(performance.now() - t);
  }
  return { ms: times.sort((a, b) => a - b)[2], out };
}

const env = await startTestEnv({ progress: () => {} });
const dir = mkdtempSync(join(tmpdir(), "kubedump-ranged-"));
try {
  const stores = [
    ["local", createLocalObjectStore({ root: dir })],
    ["MinIO", createS3ObjectStore(s3StoreOptions(env, "kubedump-ranged-bench", `r${Date.now()}`))],
  ];
  process.stdout.write(
    "| store | wanted frames | ranges cover | whole | ranged (requests) |\n|---|---|---:|---:|---:|\n",
  );
  for (const [name, store] of stores) {
    const pack = await writePack(store);
    const frames = framesOf(pack);
    log(
      `${name}: pack of ${(pack.bytes / 1048576).toFixed(1)} MiB, ${frames.length} frames, ${pack.entries.length} blobs`,
    );
    for (const layout of ["clustered", "spread"])
      for (const share of [0.01, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.8, 1]) {
        const wanted = wantedFrames(frames, share, layout);
        const covered = frameRanges(
          wanted.map((f) => f[0]),
          GAP,
          MOST,
        ).reduce((s, r) => s + r.length, 0);
        const w = await median(() => whole(store, pack, wanted));
        const r = await median(() => ranged(store, pack, wanted));
        if (w.out !== r.out.bytes) throw new Error("whole and ranged reads differ");
        process.stdout.write(
          `| ${name} | ${layout} ${wanted.length} | ${((100 * covered) / pack.bytes).toFixed(0)}% | ${w.ms.toFixed(0)} ms | ${r.ms.toFixed(0)} ms (${r.out.requests}) |\n`,
        );
      }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await env.stop();
}
