#!/usr/bin/env node
// Feeds N small YAML objects through the part writer (and the index writer, then a commit to a
// local store and a full read-back) and prints throughput and peak RSS. Not a test: figures only.
//
//   npx tsc -p packages/repository/tsconfig.build.json
//   node packages/repository/bench/part-writer.mjs [--objects 10000] [--size 1024] [--max-part-mib 256]
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createIndexWriter, createPartWriter } from "../dist/archive/index.js";
import { openRepository } from "../dist/index.js";
import { pathFor } from "../dist/snapshot/index.js";
import { createLocalObjectStore } from "../dist/stores/local-object-store.js";
import { commitConfigMaps } from "./bench-snapshot.mjs";

const { values } = parseArgs({
  options: {
    objects: { type: "string", default: "10000" },
    size: { type: "string", default: "1024" },
    "max-part-mib": { type: "string", default: "256" },
  },
});
const count = Number(values.objects);
const size = Number(values.size);
const maxPartBytes = Number(values["max-part-mib"]) * 1024 * 1024;

/** A ConfigMap-like YAML document of about `size` bytes; objects differ so gzip sees real data. */
function makeObject(i) {
  const namespace = `team-${i % 40}`;
  const name = `app-${i}-config`;
  let yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  uid: ${createHash("md5").update(String(i)).digest("hex")}\n  labels:\n    app.kubernetes.io/name: app-${i % 97}\ndata:\n`;
  for (let k = 0; yaml.length < size; k += 1) yaml += `  key-${k}: value-${(i * 31 + k * 7) % 1000}-${k}\n`;
  const data = Buffer.from(yaml.slice(0, size));
  return { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespace, name, data };
}

function mib(bytes) {
  return (bytes / 1024 / 1024).toFixed(2);
}

function report(label, ms, objects, bytes, extra = "") {
  const perSecond = Math.round(objects / (ms / 1000));
  const mbPerSecond = (bytes / 1e6 / (ms / 1000)).toFixed(1);
  console.log(
    `${label.padEnd(22)} ${ms.toFixed(0).padStart(6)} ms  ${String(perSecond).padStart(8)} objects/s  ${mbPerSecond.padStart(6)} MB/s${extra}`,
  );
}

const dir = await mkdtemp(join(tmpdir(), "kubedump-bench-"));
try {
  let start = performance.now();
  let generated = 0;
  for (let i = 0; i < count; i += 1) {
    const object = makeObject(i);
    generated += pathFor(object).length + object.data.length;
  }
  report("generate only (base)", performance.now() - start, count, generated, "  (included in the figures below)");

  const partWriter = createPartWriter({ dir, maxPartBytes });
  start = performance.now();
  for (let i = 0; i < count; i += 1) {
    const object = makeObject(i);
    await partWriter.add([{ path: pathFor(object), data: object.data }]);
  }
  const written = await partWriter.finish();
  const stored = written.parts.reduce((sum, p) => sum + p.bytes, 0);
  report(
    "part writer",
    performance.now() - start,
    count,
    written.uncompressedBytes,
    `  (${mib(written.uncompressedBytes)} MiB YAML → ${mib(stored)} MiB in ${written.parts.length} part(s))`,
  );

  const indexWriter = createIndexWriter({ file: join(dir, "index.json.gz") });
  start = performance.now();
  for (let i = 0; i < count; i += 1) {
    const { data, ...object } = makeObject(i);
    const sha256 = createHash("sha256").update(data).digest("hex");
    await indexWriter.add([{ path: pathFor(object), ...object, uid: String(i), sha256, bytes: data.length, part: 0 }]);
  }
  const index = await indexWriter.finish();
  report("index writer", performance.now() - start, count, index.bytes, `  (${mib(index.bytes)} MiB stored)`);

  const repository = await openRepository({ store: createLocalObjectStore({ root: join(dir, "repo") }) });
  start = performance.now();
  const { id } = await commitConfigMaps(repository, {
    count,
    bytes: written.uncompressedBytes,
    partFiles: written.parts,
    indexFile: index,
  });
  report("commit (local store)", performance.now() - start, count, stored + index.bytes);

  start = performance.now();
  let readBytes = 0;
  let readCount = 0;
  for await (const object of repository.readObjects(id)) {
    readBytes += object.data.length;
    readCount += 1;
  }
  report("readObjects", performance.now() - start, readCount, readBytes);
  console.log(
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB (whole process, ${count} objects of ${size} B)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
