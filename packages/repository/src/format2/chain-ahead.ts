import { SNAPSHOTS_PREFIX, snapshotIdOfKey, snapshotManifestKey } from "../snapshot/layout.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import type { BlobSource } from "./blob-source.js";
import { decodeManifestV2, type SnapshotManifestV2 } from "./manifest.js";
import type { ObjectStore } from "../stores/object-store.js";
import { MAX_PACK_BYTES } from "./pack-format.js";
import { MAX_PATCH_DEPTH } from "./tree-nodes.js";

/**
 * The most bytes of packs fetched ahead of a chain (newest snapshots' first): the trees of other
 * scopes' snapshots in between may be whole trees in large packs. @defaultValue 64 MiB
 */
export const CHAIN_AHEAD_BYTES = 64 * 1024 * 1024;

/**
 * The tree ids of the `depth` newest committed snapshots before snapshot `manifest`, newest first
 * (undefined for one whose snapshot.json does not read, or is format 1): a chain's nodes, mostly,
 * since a writer patches the tree of the newest earlier snapshot of its scope (docs/format.md,
 * "Trees"). Needs no index, so a reader starts it while the index loads (Format2Repository).
 * Best effort, never failing: [] when the listing fails.
 */
export async function earlierTrees(
  store: ObjectStore,
  manifest: SnapshotManifestV2,
  depth = MAX_PATCH_DEPTH,
): Promise<(string | undefined)[]> {
  try {
    const ids: string[] = [];
    for await (const entry of store.list(SNAPSHOTS_PREFIX)) {
      const id = snapshotIdOfKey(entry.key);
      if (id !== undefined && id < manifest.id && entry.key === snapshotManifestKey(id)) ids.push(id);
    }
    const trees = await Promise.all(
      ids
        .sort()
        .slice(-depth)
        .map((id) =>
          store
            .getBuffer(snapshotManifestKey(id), MAX_JSON_BYTES)
            .then((data) => decodeManifestV2(id, data).tree)
            .catch(() => undefined),
        ),
    );
    return trees.reverse();
  } catch {
    return [];
  }
}

/**
 * Starts fetching, all at once, the packs that likely hold the `depth` nodes under the top patch
 * of a snapshot's tree, so that readTree, which reads a chain one node after another, finds them
 * fetched rather than waiting for the store once a node: the packs of `trees` (earlierTrees of
 * the snapshot, newest first), the first `depth` of them, CHAIN_AHEAD_BYTES at most. Best effort,
 * never failing: a tree outside the chain costs a fetch and nothing else; readTree still follows
 * each node's own base and checks every blob it reads.
 */
export async function fetchChainAhead(
  source: BlobSource,
  depth: number,
  trees: Promise<(string | undefined)[]>,
): Promise<string[]> {
  try {
    const packs = new Set<string>();
    let bytes = 0;
    for (const tree of (await trees).slice(0, depth)) {
      const location = tree === undefined ? undefined : source.where(tree);
      if (location?.type !== "tree" || packs.has(location.pack)) continue;
      bytes += source.packBytes(location.pack) ?? MAX_PACK_BYTES;
      if (bytes > CHAIN_AHEAD_BYTES) break;
      packs.add(location.pack);
    }
    source.prefetch([...packs]);
    return [...packs];
  } catch {
    return []; // the chain is read node after node, as without this
  }
}
