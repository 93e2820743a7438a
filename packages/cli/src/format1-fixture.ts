// Format-1 repositories for the migrate-repository tests, written with the library as a format-1
// backup writes them (parts, index.json.gz, snapshot.json); excluded from the build (tsconfig.build.json).
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ObjectStore, openRepository } from "@kubedump/repository";
import { createIndexWriter, createPartWriter, type IndexRecord } from "@kubedump/repository/archive";
import { newSnapshotId, resourceKey, type SnapshotManifestDraft } from "@kubedump/repository/snapshot";

export interface Fixture {
  /** Snapshot ids, oldest first. */
  ids: string[];
  /** Each object's YAML of every snapshot, by snapshot id and path. */
  objects: Map<string, Map<string, string>>;
  /** A string in every object's YAML, and in no kubedump file: what must not show in an encrypted repository. */
  marker: string;
}

/** Object `i` of snapshot `n`: ConfigMaps in two namespaces and ClusterRoles; every 5th changes with n. */
function objectsOf(n: number, count: number, marker: string): { record: IndexRecord; data: Buffer }[] {
  return Array.from({ length: count }, (_, i) => {
    const namespaced = i % 4 !== 3;
    const [namespace, name] = [`ns-${i % 2}`, namespaced ? `cm-${i}` : `viewer-${i}`];
    const revision = i % 5 === n % 5 ? n : 0;
    const yaml = namespaced
      ? `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  token: ${marker}-${i}\n  revision: "${revision}"\n`
      : `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\n  annotations:\n    note: ${marker}-${i}-${revision}\n`;
    const data = Buffer.from(yaml);
    const coordinates = namespaced
      ? { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespace }
      : { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole" };
    const path = namespaced
      ? `namespaces/${namespace}/configmaps/${name}.yaml`
      : `cluster/clusterroles.rbac.authorization.k8s.io/${name}.yaml`;
    const sha256 = createHash("sha256").update(data).digest("hex");
    return { record: { path, ...coordinates, name, uid: `uid-${i}`, sha256, bytes: data.length, part: 0 }, data };
  });
}

/** What a BackupSession's snapshot.json carries, every field set, so a migration that drops one shows. */
function draftOf(id: string, time: Date, objects: { record: IndexRecord; data: Buffer }[]): SnapshotManifestDraft {
  const counts: Record<string, number> = {};
  for (const { record } of objects) counts[resourceKey(record)] = (counts[resourceKey(record)] ?? 0) + 1;
  return {
    formatVersion: 1,
    id,
    time: time.toISOString(),
    completedAt: new Date(time.getTime() + 7000).toISOString(),
    source: {
      kind: "BackupSession",
      namespace: "demo",
      name: `nightly-${id.slice(0, 8)}`,
      invoker: "BackupConfiguration/nightly",
    },
    cluster: { server: "https://127.0.0.1:6443", version: "v1.34.0" },
    scope: { type: "cluster" },
    params: { sanitize: "true", labelSelector: "app!=scratch" },
    counts,
    objects: objects.length,
    bytes: objects.reduce((sum, o) => sum + o.data.length, 0),
    warnings: [`listing events.events.k8s.io failed in snapshot ${id}`],
  };
}

/**
 * Writes `snapshots` format-1 snapshots of `count` objects each, an hour apart, into `store`
 * (encrypted with `password`, at the cheapest scrypt cost the format allows, when given).
 */
export async function writeFormat1(
  store: ObjectStore,
  options: { snapshots: number; count: number; password?: string },
): Promise<Fixture> {
  const kdf = options.password ? { N: 2 ** 10 } : undefined;
  const repository = await openRepository({ store, password: options.password, kdf, format: 1 });
  const fixture: Fixture = { ids: [], objects: new Map(), marker: `mk${randomBytes(6).toString("hex")}` };
  for (let n = 0; n < options.snapshots; n++) {
    const time = new Date(Date.UTC(2026, 10, 1, n, 0, 0));
    const id = newSnapshotId(time);
    const objects = objectsOf(n, options.count, fixture.marker);
    const dir = mkdtempSync(join(tmpdir(), "kubedump-f1-fixture-"));
    const parts = createPartWriter({ dir, maxPartBytes: 4096 });
    const index = createIndexWriter({ file: join(dir, "index.json.gz") });
    const placed = await parts.add(objects.map((o) => ({ path: o.record.path, data: o.data })));
    objects.forEach((o, i) => {
      o.record.part = placed[i] ?? 0;
    });
    await index.add(objects.map((o) => o.record));
    const { parts: partFiles } = await parts.finish();
    await repository.commitSnapshot({
      manifest: draftOf(id, time, objects),
      partFiles,
      indexFile: await index.finish(),
    });
    fixture.ids.push(id);
    fixture.objects.set(id, new Map(objects.map((o) => [o.record.path, o.data.toString("utf8")])));
  }
  return fixture;
}

/** Every key of `store` with its bytes. */
export async function storedFiles(store: ObjectStore): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for await (const { key } of store.list("")) files.set(key, await store.getBuffer(key));
  return files;
}
