#!/usr/bin/env node
// Child of restore-read.mjs --download: `repository.download` of one snapshot into cfg.to (a new
// directory), timing its first file and its end; for format 2, then, the work before the first
// file again phase by phase (snapshot.json, the index, the tree). Runs the code of checkout `root`.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  childConfig,
  cpuSeconds,
  emitResult,
  maxRssBytes,
  threadCpuSeconds,
  threadsCpuSeconds,
} from "../lib/common.mjs";
import gcPausesModule from "../lib/gc-pauses.cjs";

const { gcPauses } = gcPausesModule;
const cfg = childConfig();
const at = (path) => import(pathToFileURL(join(cfg.root, path)).href);
const { openRepositoryFromBackend } = await at("packages/repository/dist/index.js");

const to = mkdtempSync(join(cfg.to, "download-"));
const pauses = gcPauses();
const t0 = performance.now();
const repository = await openRepositoryFromBackend({ backend: cfg.backend, secret: cfg.secret });
let first;
await repository.download(cfg.id, to, {
  onProgress: () => {
    first ??= (performance.now() - t0) / 1000;
  },
});
const seconds = (performance.now() - t0) / 1000;
const cpu = cpuSeconds();
const mainCpu = threadCpuSeconds();
const threads = threadsCpuSeconds();
pauses.stop();
rmSync(to, { recursive: true, force: true });
const phases = {};
if (repository.format2) {
  const { readManifestV2 } = await at("packages/repository/dist/format2/snapshot-reader.js");
  const { BlobSource } = await at("packages/repository/dist/format2/blob-source.js");
  const { readTree } = await at("packages/repository/dist/format2/tree-walker.js");
  const deps = { store: repository.format2.store ?? repository.store, keys: null };
  let t = performance.now();
  const lap = (name) => {
    const now = performance.now();
    phases[name] = (now - t) / 1000;
    t = now;
  };
  const manifest = await readManifestV2(deps, cfg.id);
  lap("manifest");
  const { index, files } = await repository.format2.loadIndex();
  lap("index");
  phases.indexFiles = files.length;
  const tree = await readTree(new BlobSource({ ...deps, index }), manifest, { chainAhead: true });
  lap("tree");
  phases.depth = tree.depth;
}
emitResult({
  seconds,
  first,
  phases,
  cpu,
  mainCpu,
  threads,
  gc: pauses.seconds,
  gcKinds: pauses.kinds,
  maxRss: maxRssBytes(),
});
