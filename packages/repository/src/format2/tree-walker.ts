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

type NodeOf<K extends TreeNode["kind"]> = Extract<TreeNode, { kind: K }>;

/** The nodes of `ids`, all of `kind`, read pack after pack (see BlobSource.eachBlob). */
async function nodes<K extends TreeNode["kind"]>(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  ids: readonly string[],
  kind: K,
): Promise<(id: string) => NodeOf<K>> {
  const found = new Map<string, NodeOf<K>>();
  await source.eachBlob(snapshotManifestKey(manifest.id), ids, "tree", (id, data) => {
    found.set(id, decodeTreeNode(`tree blob ${id}`, data, kind));
  });
  return (id) => found.get(id) as NodeOf<K>;
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

interface TypeRef {
  ref: TreeRef;
  namespace?: string;
}

/** The type references of the root, cluster-scoped first, then namespace after namespace. */
async function typeRefs(source: BlobSource, manifest: SnapshotManifestV2): Promise<TypeRef[]> {
  const root = (await nodes(source, manifest, [manifest.tree], "root"))(manifest.tree);
  const namespace = await nodes(
    source,
    manifest,
    root.namespaces.map((r) => r.tree),
    "namespace",
  );
  const refs: TypeRef[] = root.cluster.map((ref) => ({ ref }));
  for (const { name, tree } of root.namespaces) {
    const node = namespace(tree);
    if (node.name !== name)
      throw new RepositoryFormatError(`tree blob ${tree}`, `namespace node is not namespace ${name}`);
    refs.push(...node.types.map((ref) => ({ ref, namespace: name })));
  }
  return refs;
}

/** The type nodes of `refs`, each checked to be the type and namespace its reference names. */
async function typeNodes(source: BlobSource, manifest: SnapshotManifestV2, refs: TypeRef[]): Promise<TypeNode[]> {
  const type = await nodes(
    source,
    manifest,
    refs.map((t) => t.ref.tree),
    "type",
  );
  const types = refs.map(({ ref, namespace }) => {
    const node = type(ref.tree);
    if (resourceKey(node) !== ref.name || node.namespace !== namespace)
      throw new RepositoryFormatError(
        `tree blob ${ref.tree}`,
        `type node is not ${ref.name} of ${namespace ?? "the cluster"}`,
      );
    return node;
  });
  const counted = types.reduce((sum, t) => sum + t.chunks.reduce((n, c) => n + c.objects, 0), 0);
  if (counted !== manifest.objects)
    throw new IntegrityError(
      snapshotManifestKey(manifest.id),
      `tree holds ${counted} objects, snapshot.json says ${manifest.objects}`,
    );
  return types;
}

/**
 * The objects of a snapshot's tree, cluster-scoped types first, then namespace after namespace,
 * each in name order. The tree is read level by level (namespaces, types, chunks), each level pack
 * after pack; every tree blob is checked against its id, every node's fields, references and
 * paths checked, and the object count against snapshot.json before the chunks are read.
 */
export async function walkTree(source: BlobSource, manifest: SnapshotManifestV2): Promise<TreeRecord[]> {
  const types = await typeNodes(source, manifest, await typeRefs(source, manifest));
  const chunk = await nodes(
    source,
    manifest,
    types.flatMap((t) => t.chunks.map((c) => c.tree)),
    "objects",
  );
  const records: TreeRecord[] = [];
  for (const type of types) {
    for (const ref of type.chunks) {
      const { objects } = chunk(ref.tree);
      if (objects.length !== ref.objects || objects[0]?.name !== ref.first)
        throw new RepositoryFormatError(`tree blob ${ref.tree}`, "chunk does not match its reference in the type node");
      for (const { blob, ...object } of objects) {
        const path = objectPath(type, object.name);
        const record = { path, group: type.group, resource: type.resource, ...object };
        records.push({
          record: type.namespace === undefined ? record : { ...record, namespace: type.namespace },
          blob,
        });
      }
    }
  }
  return records;
}
