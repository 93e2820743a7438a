// Snapshots written by hand for this package's tests (hostile ones too); excluded from the build.
import { createHash, randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { toYaml } from "@kubedump/dump";
import type { KubeObject } from "@kubedump/kube";
import type { Repository } from "@kubedump/repository";
import { createIndexWriter, type IndexRecord } from "@kubedump/repository/archive";
import { newSnapshotId, pathFor, resourceKey } from "@kubedump/repository/snapshot";
import { pack as tarPack } from "tar-stream";

export interface HandEntry {
  record: IndexRecord;
  data: Buffer;
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** An object as a snapshot entry of its type, at its layout path unless `path` says otherwise; the uid is made up when absent. */
export function entryOf(
  type: { group: string; version: string; resource: string },
  object: KubeObject,
  path?: string,
): HandEntry {
  const data = toYaml(object);
  const { name, namespace, ownerReferences } = object.metadata;
  const coordinates = { ...type, name, ...(namespace !== undefined && { namespace }) };
  const record: IndexRecord = {
    path: path ?? pathFor(coordinates),
    ...coordinates,
    kind: object.kind,
    uid: object.metadata.uid ?? randomUUID(),
    sha256: sha256(data),
    bytes: data.length,
    part: 0,
  };
  if (ownerReferences?.length) {
    record.ownerReferences = ownerReferences.map(({ apiVersion, kind, name, uid, controller }) => ({
      apiVersion,
      kind,
      name,
      uid,
      ...(controller !== undefined && { controller }),
    }));
  }
  return { record, data };
}

/**
 * Commits `entries` as a snapshot of one part, built with tar-stream and no path checks, its
 * index and snapshot.json all consistent: every hash is right, whatever the paths say.
 */
export async function commitByHand(repository: Repository, dir: string, entries: HandEntry[]): Promise<string> {
  const pack = tarPack();
  for (const { record, data } of entries) pack.entry({ name: record.path }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  const gz = gzipSync(Buffer.concat(chunks));
  await mkdir(join(dir, "parts"), { recursive: true });
  const file = join(dir, "parts", "00000.tar.gz");
  await writeFile(file, gz);
  const bytes = entries.reduce((sum, e) => sum + e.data.length, 0);
  const part = { n: 0, file, objects: entries.length, bytes: gz.length, uncompressedBytes: bytes, sha256: sha256(gz) };

  const index = createIndexWriter({ file: join(dir, "index.json.gz") });
  await index.add(entries.map((e) => e.record));
  const counts: Record<string, number> = {};
  for (const { record } of entries) counts[resourceKey(record)] = (counts[resourceKey(record)] ?? 0) + 1;
  const now = new Date();
  const id = newSnapshotId(now);
  await repository.commitSnapshot({
    manifest: {
      formatVersion: 1,
      id,
      time: now.toISOString(),
      completedAt: now.toISOString(),
      source: { kind: "cli" },
      cluster: {},
      scope: { type: "cluster" },
      params: {},
      counts,
      objects: entries.length,
      bytes,
      warnings: [],
    },
    partFiles: [part],
    indexFile: await index.finish(),
  });
  return id;
}
