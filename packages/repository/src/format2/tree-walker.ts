import type { IndexRecord } from "../archive/types.js";
import { IntegrityError, RepositoryFormatError, UnsafePathError } from "../errors.js";
import { checkArchivePath, segmentProblem } from "../safe-path.js";
import { checkLayoutShape, pathFor, resourceKey, snapshotManifestKey } from "../snapshot/layout.js";
import type { BlobSource } from "./blob-source.js";
import type { SnapshotManifestV2 } from "./manifest.js";
import { decodeTreeNode, type TreeNode, type TreeRef, type TypeNode } from "./tree-nodes.js";

/** An object as the tree records it: its index record (part still unknown) and its YAML's blob. */
export interface TreeRecord {
  record: Omit<IndexRecord, "part">;
  blob: string;
}

interface Walk {
  source: BlobSource;
  manifest: SnapshotManifestV2;
  seen: number;
}

async function node<K extends TreeNode["kind"]>(walk: Walk, id: string, kind: K) {
  const owner = snapshotManifestKey(walk.manifest.id);
  return decodeTreeNode(`tree blob ${id}`, await walk.source.blob(owner, id, "tree"), kind);
}

/** The archive path of an object, every segment checked as safe-path.ts and layout.ts check archive entries. */
function objectPath(type: TypeNode, name: string): string {
  const shown = `${type.namespace ?? "cluster"}/${resourceKey(type)}/${name}`;
  const optional = [type.group, type.namespace ?? "-"].filter((s) => s !== "");
  for (const segment of [type.resource, name, ...optional]) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) throw new UnsafePathError(shown, problem);
  }
  const path = checkArchivePath(pathFor({ ...type, name }));
  checkLayoutShape(path);
  return path;
}

async function* typeRecords(walk: Walk, ref: TreeRef, namespace?: string): AsyncGenerator<TreeRecord> {
  const type = await node(walk, ref.tree, "type");
  const key = `tree blob ${ref.tree}`;
  if (resourceKey(type) !== ref.name || type.namespace !== namespace)
    throw new RepositoryFormatError(key, `type node is not ${ref.name} of ${namespace ?? "the cluster"}`);
  for (const chunk of type.chunks) {
    const { objects } = await node(walk, chunk.tree, "objects");
    if (objects.length !== chunk.objects || objects[0]?.name !== chunk.first)
      throw new RepositoryFormatError(`tree blob ${chunk.tree}`, "chunk does not match its reference in the type node");
    walk.seen += objects.length;
    if (walk.seen > walk.manifest.objects)
      throw new IntegrityError(
        snapshotManifestKey(walk.manifest.id),
        `tree holds more than ${walk.manifest.objects} objects`,
      );
    for (const { blob, ...object } of objects) {
      const path = objectPath(type, object.name);
      const record = { path, group: type.group, resource: type.resource, ...object };
      yield { record: namespace === undefined ? record : { ...record, namespace }, blob };
    }
  }
}

/**
 * The objects of a snapshot's tree, cluster-scoped types first, then namespace after namespace,
 * each in name order; every tree blob checked against its id, every node's fields and paths checked.
 */
export async function* walkTree(source: BlobSource, manifest: SnapshotManifestV2): AsyncGenerator<TreeRecord> {
  const walk: Walk = { source, manifest, seen: 0 };
  const root = await node(walk, manifest.tree, "root");
  for (const ref of root.cluster) yield* typeRecords(walk, ref);
  for (const ref of root.namespaces) {
    const namespace = await node(walk, ref.tree, "namespace");
    if (namespace.name !== ref.name)
      throw new RepositoryFormatError(`tree blob ${ref.tree}`, `namespace node is not namespace ${ref.name}`);
    for (const type of namespace.types) yield* typeRecords(walk, type, ref.name);
  }
  if (walk.seen !== manifest.objects)
    throw new IntegrityError(
      snapshotManifestKey(manifest.id),
      `tree holds ${walk.seen} objects, snapshot.json says ${manifest.objects}`,
    );
}
