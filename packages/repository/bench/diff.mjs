#!/usr/bin/env node
// Two snapshots of N ConfigMaps that differ in C of them, in a local store: the time of a diff
// (indexes, then the parts holding the changed objects), of --stat (indexes only), and the parts
// and bytes each read; beside them the alternative without an index, both snapshots read whole
// and compared object by object (what a diff of two downloads does). Not a test: figures only.
//
//   npx turbo run build --filter=@kubedump/repository
//   npm run bench:diff -- [--objects 100000] [--changed 100] [--spread even|together] [--size 512] [--max-part-mib 4]
//   (even: the changed objects spread over the whole snapshot, so over every part; together: one run
//   of them, as when one application changed)
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createIndexWriter, createPartWriter } from "../dist/archive/index.js";
import { diffSides, openRepository, snapshotSide } from "../dist/index.js";
import { pathFor } from "../dist/snapshot/index.js";
import { createLocalObjectStore } from "../dist/stores/local-object-store.js";
import { commitConfigMaps } from "./bench-snapshot.mjs";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "100000" },
    changed: { type: "string", default: "100" },
    spread: { type: "string", default: "even" },
    size: { type: "string", default: "512" },
    "max-part-mib": { type: "string", default: "4" },
  },
});
const [count, changed, size] = [Number(values.objects), Number(values.changed), Number(values.size)];
const maxPartBytes = Math.round(Number(values["max-part-mib"]) * 1024 * 1024);

/** ConfigMap i's YAML of about `size` bytes, `edit` appended to the changed ones of the second snapshot. */
function object(i, edit) {
  const [namespace, name] = [`team-${i % 40}`, `app-${i}-config`];
  let yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n`;
  for (let k = 0; yaml.length < size; k += 1) yaml += `  key-${k}: value-${(i * 31 + k * 7) % 1000}-${k}\n`;
  const data = Buffer.from(yaml.slice(0, size) + edit);
  const coordinates = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespace, name };
  const sha256 = createHash("sha256").update(data).digest("hex");
  return { record: { path: pathFor(coordinates), ...coordinates, uid: String(i), sha256, bytes: data.length }, data };
}

async function commit(repository, dir, isChanged) {
  const parts = createPartWriter({ dir, maxPartBytes });
  const index = createIndexWriter({ file: join(dir, "index.json.gz") });
  let bytes = 0;
  for (let start = 0; start < count; start += 1000) {
    const page = [];
    for (let i = start; i < Math.min(count, start + 1000); i++)
      page.push(object(i, isChanged(i) ? "  edited: x\n" : ""));
    const placed = await parts.add(page.map((o) => ({ path: o.record.path, data: o.data })));
    await index.add(page.map((o, k) => ({ ...o.record, part: placed[k] })));
    bytes += page.reduce((sum, o) => sum + o.data.length, 0);
  }
  const { parts: partFiles } = await parts.finish();
  return commitConfigMaps(repository, { count, bytes, partFiles, indexFile: await index.finish() });
}

/** A local store whose gets are counted, with the bytes read from each. */
function countingStore(root) {
  const inner = createLocalObjectStore({ root });
  const gets = [];
  const store = Object.create(inner);
  store.get = async (key) => {
    const entry = { key, bytes: 0 };
    gets.push(entry);
    const body = await inner.get(key);
    body.on("data", (chunk) => {
      entry.bytes += chunk.length;
    });
    return body;
  };
  return { store, gets };
}

const dir = await mkdtemp(join(tmpdir(), "kubedump-bench-diff-"));
try {
  const { store, gets } = countingStore(join(dir, "repo"));
  const repository = await openRepository({ store });
  const step = Math.max(1, Math.floor(count / changed));
  const a = await commit(repository, join(dir, "a"), () => false);
  await new Promise((r) => setTimeout(r, 5)); // a later time for the second snapshot
  if (!["even", "together"].includes(values.spread)) throw new Error(`--spread ${values.spread}: even or together`);
  const isChanged = values.spread === "together" ? (i) => i < changed : (i) => i % step === 0 && i / step < changed;
  const b = await commit(repository, join(dir, "b"), isChanged);
  console.log(
    `${count} objects of ${size} bytes, ${changed} changed (${values.spread}); ${a.parts.length} parts of ${values["max-part-mib"]} MiB each`,
  );
  const stored = [...a.parts, ...b.parts].reduce((sum, p) => sum + p.bytes, 0);
  const line = (label, ms, changedCount) => {
    const parts = gets.filter((g) => g.key.includes("/parts/"));
    const read = parts.reduce((sum, g) => sum + g.bytes, 0);
    console.log(
      label.padEnd(12) +
        `${ms.toFixed(0).padStart(6)} ms  changed ${changedCount}  parts read ${parts.length} of ${a.parts.length + b.parts.length}` +
        `  part bytes read ${(read / 1e6).toFixed(2)} of ${(stored / 1e6).toFixed(2)} MB`,
    );
  };
  for (const stat of [true, false]) {
    gets.length = 0;
    const started = performance.now();
    const diff = await diffSides(snapshotSide(repository, a.id), snapshotSide(repository, b.id), { stat });
    line(stat ? "diff --stat" : "diff", performance.now() - started, diff.counts.changed);
  }
  gets.length = 0;
  const started = performance.now();
  const sums = new Map();
  for await (const o of repository.readObjects(a.id))
    sums.set(o.path, createHash("sha256").update(o.data).digest("hex"));
  let whole = 0;
  for await (const o of repository.readObjects(b.id))
    if (sums.get(o.path) !== createHash("sha256").update(o.data).digest("hex")) whole += 1;
  line("read whole", performance.now() - started, whole);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
