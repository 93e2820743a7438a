#!/usr/bin/env node
// Dumps ~1 GiB of large generated ConfigMap YAMLs through the part and index writers into a scratch
// directory, commits the snapshot to MinIO (parts, index, snapshot.json) and prints the throughput
// and the peak RSS of the whole process. Not a test: figures only.
//
//   npx turbo run build --filter=@kubedump/repository
//   node packages/repository/bench/upload-1gib.mjs [--gib 1] [--object-kib 900] [--encrypt]
//
// Uses S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when set (e.g. from
// `kubedump-testenv up`); otherwise starts its own MinIO from packages/testenv and stops it after.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startMinio } from "@kubedump/testenv";
import { createIndexWriter, createPartWriter } from "../dist/archive/index.js";
import { openRepository } from "../dist/index.js";
import { pathFor } from "../dist/snapshot/index.js";
import { createS3ObjectStore } from "../dist/stores/s3-object-store.js";
import { commitConfigMaps } from "./bench-snapshot.mjs";

const { values } = parseArgs({
  options: {
    gib: { type: "string", default: "1" },
    "object-kib": { type: "string", default: "900" },
    encrypt: { type: "boolean", default: false },
  },
});
const totalBytes = Number(values.gib) * 1024 ** 3;
const objectBytes = Number(values["object-kib"]) * 1024;
const count = Math.ceil(totalBytes / objectBytes);
const MiB = 1024 * 1024;

/** A ConfigMap of about `objectBytes` bytes: certificate-bundle-like base64 lines, so gzip has work but little gain. */
function makeConfigMap(i) {
  const namespace = `team-${i % 40}`;
  const name = `bundle-${i}`;
  const head = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  uid: ${createHash("md5").update(String(i)).digest("hex")}\ndata:\n  ca-bundle.pem: |\n`;
  const body = randomBytes(Math.floor(((objectBytes - head.length) * 3) / 4))
    .toString("base64")
    .replace(/.{76}/g, "    $&\n");
  const data = Buffer.from(`${head}${body}\n`);
  return { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespace, name, data };
}

const peakRss = () => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`;
const rate = (bytes, ms) => `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;

async function s3Target(dir) {
  if (process.env.S3_ENDPOINT) {
    const { S3_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey } = process.env;
    return { endpoint, accessKey, secretKey, stop: async () => {} };
  }
  const minio = await startMinio(dir);
  return {
    endpoint: minio.endpoint,
    accessKey: minio.accessKey,
    secretKey: minio.secretKey,
    stop: () => minio.process.stop(),
  };
}

async function dump(dir) {
  const parts = createPartWriter({ dir });
  const index = createIndexWriter({ file: join(dir, "index.json.gz") });
  let bytes = 0;
  for (let i = 0; i < count; i += 1) {
    const { data, ...object } = makeConfigMap(i);
    const path = pathFor(object);
    const [part] = await parts.add([{ path, data }]);
    const sha256 = createHash("sha256").update(data).digest("hex");
    await index.add([{ path, ...object, uid: String(i), sha256, bytes: data.length, part }]);
    bytes += data.length;
  }
  return { written: await parts.finish(), indexFile: await index.finish(), bytes };
}

const dir = await mkdtemp(join(tmpdir(), "kubedump-bench-upload-"));
const target = await s3Target(dir);
try {
  console.log(
    `${count} ConfigMaps of ${values["object-kib"]} KiB, ${values.encrypt ? "encrypted" : "not encrypted"}, to ${target.endpoint}`,
  );
  let start = performance.now();
  const { written, indexFile, bytes } = await dump(join(dir, "scratch"));
  const stored = written.parts.reduce((sum, p) => sum + p.bytes, indexFile.bytes);
  const dumpMs = performance.now() - start;
  console.log(
    `dump to scratch   ${(dumpMs / 1000).toFixed(1)} s  ${rate(bytes, dumpMs)} of YAML  (${(bytes / MiB).toFixed(0)} MiB YAML → ${(stored / MiB).toFixed(0)} MiB in ${written.parts.length} parts)  peak RSS so far ${peakRss()}`,
  );

  const store = createS3ObjectStore({
    ...target,
    bucket: "kubedump-bench",
    prefix: `upload-${randomBytes(4).toString("hex")}`,
  });
  const repository = await openRepository({ store, password: values.encrypt ? "bench-password" : undefined });
  start = performance.now();
  const manifest = await commitConfigMaps(repository, { count, bytes, partFiles: written.parts, indexFile });
  const uploadMs = performance.now() - start;
  console.log(
    `upload to MinIO   ${(uploadMs / 1000).toFixed(1)} s  ${rate(manifest.storedBytes, uploadMs)} stored  (${(manifest.storedBytes / MiB).toFixed(0)} MiB)`,
  );
  console.log(`peak RSS ${peakRss()} (whole process: generation, dump, upload)`);
} finally {
  await target.stop();
  await rm(dir, { recursive: true, force: true });
}
