// Forged snapshots for the hostile-repository tests: the pieces and the commit; excluded from the
// build (tsconfig.build.json). Every hash in snapshot.json and the index is right.
import { createHash, randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type ObjectStore, openRepository } from "@kubedump/repository";
import type { IndexRecord } from "@kubedump/repository/archive";
import { newSnapshotId } from "@kubedump/repository/snapshot";
import { gzipMembers, TAR_END, tarEntry } from "@kubedump/testenv";

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** What a forged snapshot is made of. */
export interface Forgery {
  /** The stored part: gzip of the tar (several gzip members are one stream). */
  part: Buffer;
  /** The index records; their byte counts sum to snapshot.json's `bytes`. */
  records: IndexRecord[];
  /** A stored index (gzip) instead of the records' own. */
  index?: Buffer;
  /** snapshot.json is rewritten by this after the commit (hashes of parts and index stay right). */
  manifest?: (manifest: Record<string, unknown>) => Record<string, unknown>;
}

/** The record of a ConfigMap `name` in `ns` holding `data`, at its layout path unless `path` says otherwise. */
export function record(ns: string, name: string, data: Buffer, path?: string): IndexRecord {
  const p = path ?? `namespaces/${ns}/configmaps/${name}.yaml`;
  const kind = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap" };
  return {
    path: p,
    ...kind,
    namespace: ns,
    name,
    uid: randomUUID(),
    sha256: sha256(data),
    bytes: data.length,
    part: 0,
  };
}

/** The namespace and a ConfigMap `victim`: what a restore would create if it did not refuse. */
function benign(ns: string): { tar: Buffer[]; records: IndexRecord[] } {
  const nsYaml = Buffer.from(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
  const cm = Buffer.from(
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: victim\n  namespace: ${ns}\ndata: {a: "1"}\n`,
  );
  const nsRecord: IndexRecord = {
    ...record("", ns, nsYaml, `cluster/namespaces/${ns}.yaml`),
    resource: "namespaces",
    kind: "Namespace",
  };
  delete nsRecord.namespace;
  return {
    tar: [tarEntry({ name: nsRecord.path }, nsYaml), tarEntry({ name: `namespaces/${ns}/configmaps/victim.yaml` }, cm)],
    records: [nsRecord, record(ns, "victim", cm)],
  };
}

/** The benign objects, then `tar` entries recorded by `records`, then the end of the archive. */
export function withBenign(ns: string, tar: Buffer[], records: IndexRecord[], after: Buffer[] = []): Forgery {
  const base = benign(ns);
  return {
    part: Buffer.concat([gzipMembers(...base.tar, ...tar, TAR_END), ...after]),
    records: [...base.records, ...records],
  };
}

/** Commits a forgery into the repository in `store`; returns the snapshot id. */
export async function commitForgery(store: ObjectStore, scratch: string, forgery: Forgery): Promise<string> {
  const { part, records } = forgery;
  await mkdir(scratch, { recursive: true });
  const index = forgery.index ?? gzipSync(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const [partFile, indexFile] = [join(scratch, "00000.tar.gz"), join(scratch, "index.json.gz")];
  await writeFile(partFile, part);
  await writeFile(indexFile, index);
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.resource] = (counts[r.resource] ?? 0) + 1;
  const now = new Date();
  const id = newSnapshotId(now);
  const repository = await openRepository({ store, format: 1 });
  const bytes = records.reduce((sum, r) => sum + r.bytes, 0);
  const [time, objects] = [now.toISOString(), records.length];
  const manifest = await repository.commitSnapshot({
    manifest: {
      formatVersion: 1,
      id,
      time,
      completedAt: time,
      source: { kind: "cli" },
      cluster: {},
      scope: { type: "cluster" },
      params: {},
      counts,
      objects,
      bytes,
      warnings: [],
    },
    partFiles: [{ n: 0, file: partFile, objects, bytes: part.length, uncompressedBytes: bytes, sha256: sha256(part) }],
    indexFile: { file: indexFile, records: objects, bytes: index.length, sha256: sha256(index) },
  });
  if (forgery.manifest) {
    const rewritten = forgery.manifest(manifest as unknown as Record<string, unknown>);
    await store.put(`snapshots/${id}/snapshot.json`, Buffer.from(JSON.stringify(rewritten)));
  }
  return id;
}
