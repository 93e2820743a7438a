import { SNAPSHOTS_PREFIX, snapshotIdOfKey, snapshotManifestKey } from "../snapshot/layout.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobIndex } from "./blob-index.js";
import { BlobSource } from "./blob-source.js";
import type { Format2Keys } from "./keys.js";
import { decodeManifestV2, parseJsonFile, type SnapshotDraftV2, type SnapshotManifestV2 } from "./manifest.js";
import type { TreeBase } from "./tree-builder.js";
import { readTree } from "./tree-walker.js";

export interface TreeBaseDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
  index: BlobIndex;
}

/** How many of the newest snapshots before a new one are looked at for a base. @defaultValue 8 */
export const BASE_CANDIDATES = 8;

const sameScope = (a: SnapshotDraftV2, b: SnapshotManifestV2) => JSON.stringify(a.scope) === JSON.stringify(b.scope);

type Base = TreeBase & { manifest: SnapshotManifestV2; source: BlobSource };

/**
 * The snapshot whose tree one of `draft` may be stored as a patch of (docs/format.md, "Trees"):
 * the newest format-2 snapshot with an id before `draft`'s and the same scope, among the
 * BASE_CANDIDATES newest. Undefined when there is none, or its snapshot.json does not read.
 */
export async function findBaseManifest(
  deps: TreeBaseDeps,
  draft: SnapshotDraftV2,
): Promise<SnapshotManifestV2 | undefined> {
  const ids: string[] = [];
  for await (const entry of deps.store.list(SNAPSHOTS_PREFIX)) {
    const id = snapshotIdOfKey(entry.key);
    if (id !== undefined && id < draft.id && entry.key === snapshotManifestKey(id)) ids.push(id);
  }
  for (const id of ids.sort().reverse().slice(0, BASE_CANDIDATES)) {
    try {
      const data = await deps.store.getBuffer(snapshotManifestKey(id), MAX_JSON_BYTES);
      if (parseJsonFile(id, data).value["formatVersion"] === 1) continue;
      const manifest = decodeManifestV2(id, data);
      if (sameScope(draft, manifest)) return manifest;
    } catch {
      return undefined; // damaged, or deleted meanwhile: a whole tree needs no base
    }
  }
  return undefined;
}

/**
 * The tree of `manifest` (findBaseManifest's), read whole and checked as any reader checks it;
 * undefined when it does not read (the new snapshot then stores its whole tree, never relying on it).
 */
export async function readTreeBase(deps: TreeBaseDeps, manifest: SnapshotManifestV2): Promise<Base | undefined> {
  try {
    const source = new BlobSource(deps);
    return { ...(await readTree(source, manifest)), tree: manifest.tree, manifest, source };
  } catch {
    return undefined;
  }
}
