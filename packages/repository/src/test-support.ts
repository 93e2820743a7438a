// Builders shared by this package's tests; excluded from the build (tsconfig.build.json).
import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { type S3Env, s3StoreOptions } from "@kubedump/testenv";
import { Client } from "minio";
import { pack as tarPack } from "tar-stream";
import { createIndexWriter } from "./archive/index-writer.js";
import { createPartWriter } from "./archive/part-writer.js";
import { packChunks } from "./archive/tar-stream-adapters.js";
import type { IndexRecord, PartFile } from "./archive/types.js";
import { pathFor } from "./snapshot/layout.js";
import type { CommitSnapshotInput } from "./snapshot/snapshot-upload.js";
import type { SnapshotManifestDraft } from "./snapshot/types.js";
import type { ObjectStore } from "./stores/object-store.js";
import type { S3ObjectStoreOptions } from "./stores/s3-object-store.js";

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
    const data = Buffer.from(
      `apiVersion: v1\nkind: ${kind.kind}\nmetadata:\n  name: ${name}\n${"# pad\n".repeat(i % 7)}`,
    );
    const sha256 = createHash("sha256").update(data).digest("hex");
    const path = pathFor({ ...kind, name });
    return { record: { path, ...kind, name, uid: `uid-${i}`, sha256, bytes: data.length, part: 0 }, data };
  });
}

/** A Secret whose YAML holds `value` in stringData and base64 in data, and whose name is `name`. */
export function secretObject(name: string, value: string): TestObject {
  const coordinates = { group: "", version: "v1", resource: "secrets", kind: "Secret", namespace: "prod", name };
  const data = Buffer.from(
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: prod\n` +
      `stringData:\n  password: ${value}\ndata:\n  token: ${Buffer.from(value).toString("base64")}\n`,
  );
  const sha256 = createHash("sha256").update(data).digest("hex");
  return {
    record: { path: pathFor(coordinates), ...coordinates, uid: `uid-${name}`, sha256, bytes: data.length, part: 0 },
    data,
  };
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
    source: {
      kind: "BackupSession",
      namespace: "demo",
      name: "nightly-1764122400",
      invoker: "BackupConfiguration/nightly",
    },
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
  gzipLevel?: number,
): Promise<CommitSnapshotInput> {
  const parts = createPartWriter({ dir, maxPartBytes, gzipLevel });
  const index = createIndexWriter({ file: join(dir, "index.json.gz"), gzipLevel });
  const placed = await parts.add(objects.map((o) => ({ path: o.record.path, data: o.data })));
  objects.forEach((o, i) => {
    o.record.part = placed[i] ?? 0;
  });
  await index.add(objects.map((o) => o.record));
  const { parts: partFiles } = await parts.finish();
  return { manifest: draftManifest(id, objects), partFiles, indexFile: await index.finish() };
}

/** An entry of a hostile archive: a regular file unless `type` says otherwise (a link then points at `linkname`). */
export interface RawEntry {
  path: string;
  data: Buffer;
  type?: "file" | "symlink" | "link" | "directory";
  linkname?: string;
}

/** A part file holding exactly these entries, with no path checks: for hostile archives. */
export async function rawPartFile(file: string, n: number, entries: RawEntry[]): Promise<PartFile> {
  await mkdir(dirname(file), { recursive: true });
  const pack = tarPack();
  for (const { path, data, type = "file", linkname } of entries) {
    if (type === "file") pack.entry({ name: path }, data);
    else pack.entry({ name: path, type, linkname });
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of packChunks(pack)) chunks.push(chunk);
  const gz = gzipSync(Buffer.concat(chunks));
  await writeFile(file, gz);
  const [bytes, sha256] = [gz.length, createHash("sha256").update(gz).digest("hex")];
  const uncompressedBytes = entries.reduce((sum, e) => sum + e.data.length, 0);
  return { n, file, objects: entries.length, bytes, uncompressedBytes, sha256 };
}

/** Wraps a store and logs each completed put and delete, in order. */
export function recordingStore(inner: ObjectStore): { store: ObjectStore; log: string[] } {
  const log: string[] = [];
  const store: ObjectStore = {
    async put(key, body, hints) {
      await inner.put(key, body, hints);
      log.push(`put ${key}`);
    },
    async putIfAbsent(key, body) {
      const created = await inner.putIfAbsent(key, body);
      if (created) log.push(`put ${key}`);
      return created;
    },
    async putFile(key, localPath) {
      await inner.putFile(key, localPath);
      log.push(`put ${key}`);
    },
    ...(inner.adoptFile && {
      adoptFile: async (key: string, localPath: string) => {
        const adopted = (await inner.adoptFile?.(key, localPath)) ?? false;
        if (adopted) log.push(`put ${key}`);
        return adopted;
      },
    }),
    get: (key) => inner.get(key),
    getBuffer: (key, maxBytes) => inner.getBuffer(key, maxBytes),
    ...(inner.getRange && { getRange: inner.getRange.bind(inner) }),
    stat: (key) => inner.stat(key),
    list: (prefix) => inner.list(prefix),
    async delete(key) {
      await inner.delete(key);
      log.push(`delete ${key}`);
    },
    removeIncompleteUploads: (prefix, olderThan) => inner.removeIncompleteUploads(prefix, olderThan),
  };
  return { store, log };
}

/** A stream that yields `bytes` bytes, then fails with "connection reset": a half-written upload. */
export function failingBody(bytes = 17): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.alloc(bytes, 1);
      throw new Error("connection reset");
    })(),
  );
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Options for an S3 store on the test environment's MinIO, below a prefix unique to the caller. */
export function s3TestOptions(env: S3Env, bucket: string, prefix: string): S3ObjectStoreOptions {
  return {
    ...s3StoreOptions(env, bucket, `${prefix}-${randomBytes(4).toString("hex")}`),
    partSize: 5 * 1024 * 1024,
    retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 },
  };
}

/** A store that delegates to `inner` except for the methods in `overrides`. */
export function wrapStore(inner: ObjectStore, overrides: Partial<ObjectStore>): ObjectStore {
  return {
    put: (key, body, hints) => inner.put(key, body, hints),
    putIfAbsent: (key, body, options) => inner.putIfAbsent(key, body, options),
    putFile: (key, localPath) => inner.putFile(key, localPath),
    ...(inner.adoptFile && {
      adoptFile: (key: string, localPath: string) => inner.adoptFile?.(key, localPath) ?? Promise.resolve(false),
    }),
    get: (key) => inner.get(key),
    getBuffer: (key, maxBytes) => inner.getBuffer(key, maxBytes),
    ...(inner.getRange && { getRange: inner.getRange.bind(inner) }),
    stat: (key) => inner.stat(key),
    list: (prefix) => inner.list(prefix),
    delete: (key) => inner.delete(key),
    removeIncompleteUploads: (prefix, olderThan) => inner.removeIncompleteUploads(prefix, olderThan),
    ...overrides,
  };
}

/** `count` ConfigMaps of `size` random (incompressible) bytes each. */
export function bigObjects(count: number, size: number): TestObject[] {
  return Array.from({ length: count }, (_, i) => {
    const coordinates = {
      group: "",
      version: "v1",
      resource: "configmaps",
      kind: "ConfigMap",
      namespace: "prod",
      name: `big-${i}`,
    };
    const data = randomBytes(size);
    const sha256 = createHash("sha256").update(data).digest("hex");
    return {
      record: { path: pathFor(coordinates), ...coordinates, uid: `uid-big-${i}`, sha256, bytes: size, part: 0 },
      data,
    };
  });
}

/** A bare minio client of the test MinIO, to see and do what the store would not. */
export function rawS3Client(env: S3Env): Client {
  const url = new URL(env.s3Endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: false,
    accessKey: env.accessKey,
    secretKey: env.secretKey,
  });
}

/** Every object below `prefix` of `bucket` on the test MinIO, as it holds it, read with a bare minio client. */
export async function rawS3Objects(env: S3Env, bucket: string, prefix: string): Promise<Map<string, Buffer>> {
  const client = rawS3Client(env);
  const out = new Map<string, Buffer>();
  for await (const item of client.listObjectsV2(bucket, prefix, true)) {
    const name = (item as { name: string }).name;
    out.set(name, Buffer.concat(await collect(await client.getObject(bucket, name))));
  }
  return out;
}
