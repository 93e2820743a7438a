// Builders shared by this package's tests; excluded from the build (tsconfig.build.json).
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pack as tarPack } from "tar-stream";
import { writeGzipFile } from "./gzip-file.js";
import { createIndexWriter } from "./index-writer.js";
import { pathFor } from "./layout.js";
import type { ObjectStore } from "./object-store.js";
import { createPartWriter } from "./part-writer.js";
import type { CommitSnapshotInput } from "./snapshot-upload.js";
import { packChunks } from "./tar-stream-adapters.js";
import type { IndexRecord, PartFile, SnapshotManifestDraft } from "./types.js";

export interface TestObject {
  record: IndexRecord;
  data: Buffer;
}

/** `count` objects of a few kinds, including a ClusterRole with ':' in its name. */
export function testObjects(count: number): TestObject[] {
  const kinds = [
    { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespace: "prod" },
    { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespace: "prod" },
    { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole" },
  ];
  return Array.from({ length: count }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    const name = kind.kind === "ClusterRole" ? `system:controller:job-${i}` : `obj-${i}`;
    const data = Buffer.from(`apiVersion: v1\nkind: ${kind.kind}\nmetadata:\n  name: ${name}\n${"# pad\n".repeat(i % 7)}`);
    const sha256 = createHash("sha256").update(data).digest("hex");
    const path = pathFor({ ...kind, name });
    return { record: { path, ...kind, name, uid: `uid-${i}`, sha256, bytes: data.length, part: 0 }, data };
  });
}

export function draftManifest(id: string, objects: TestObject[]): SnapshotManifestDraft {
  const counts: Record<string, number> = {};
  for (const { record } of objects) {
    const key = record.group ? `${record.resource}.${record.group}` : record.resource;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return {
    formatVersion: 1,
    id,
    time: "2026-11-26T02:00:00.000Z",
    completedAt: "2026-11-26T02:00:07.000Z",
    source: { kind: "BackupSession", namespace: "demo", name: "nightly-1764122400", invoker: "BackupConfiguration/nightly" },
    cluster: { server: "https://127.0.0.1:6443", version: "v1.34.0" },
    scope: { type: "cluster" },
    params: { sanitize: "true" },
    counts,
    objects: objects.length,
    bytes: objects.reduce((sum, o) => sum + o.data.length, 0),
    warnings: [],
  };
}

/** Writes parts and index to `dir` the way the dump engine does; returns what commitSnapshot takes. */
export async function stageSnapshot(
  dir: string,
  id: string,
  objects: TestObject[],
  maxPartBytes?: number,
): Promise<CommitSnapshotInput> {
  const parts = createPartWriter({ dir, maxPartBytes });
  const index = createIndexWriter({ file: join(dir, "index.json.gz") });
  for (const object of objects) {
    object.record.part = await parts.add({ path: object.record.path, data: object.data });
    await index.add(object.record);
  }
  const { parts: partFiles } = await parts.finish();
  return { manifest: draftManifest(id, objects), partFiles, indexFile: await index.finish() };
}

/** A part file holding exactly these entries, with no path checks: for hostile archives. */
export async function rawPartFile(file: string, n: number, entries: { path: string; data: Buffer }[]): Promise<PartFile> {
  await mkdir(dirname(file), { recursive: true });
  const pack = tarPack();
  const written = writeGzipFile({ source: packChunks(pack), file, level: 6 });
  for (const entry of entries) pack.entry({ name: entry.path }, entry.data);
  pack.finalize();
  const { bytes, sha256 } = await written;
  const uncompressedBytes = entries.reduce((sum, e) => sum + e.data.length, 0);
  return { n, file, objects: entries.length, bytes, uncompressedBytes, sha256 };
}

/** Wraps a store and logs each completed put and delete, in order. */
export function recordingStore(inner: ObjectStore): { store: ObjectStore; log: string[] } {
  const log: string[] = [];
  const store: ObjectStore = {
    async put(key, body) {
      await inner.put(key, body);
      log.push(`put ${key}`);
    },
    async putFile(key, localPath) {
      await inner.putFile(key, localPath);
      log.push(`put ${key}`);
    },
    get: (key) => inner.get(key),
    getBuffer: (key) => inner.getBuffer(key),
    stat: (key) => inner.stat(key),
    list: (prefix) => inner.list(prefix),
    async delete(key) {
      await inner.delete(key);
      log.push(`delete ${key}`);
    },
  };
  return { store, log };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
