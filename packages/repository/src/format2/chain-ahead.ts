import { SNAPSHOTS_PREFIX, snapshotIdOfKey, snapshotManifestKey } from "../snapshot/layout.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import type { BlobSource } from "./blob-source.js";
import { decodeManifestV2, type SnapshotManifestV2 } from "./manifest.js";
import { MAX_PACK_BYTES } from "./pack-format.js";

/**
 * The most bytes of packs fetched ahead of a chain (newest snapshots' first): the trees of other
 * scopes' snapshots in between may be whole trees in large packs. @defaultValue 64 MiB
 */
export const CHAIN_AHEAD_BYTES = 64 * 1024 * 1024;

/**
 * Starts fetching, all at once, the packs that likely hold the `depth` nodes under the top patch
 * of snapshot `manifest`'s tree, so that readTree, which reads a chain one node after another,
 * finds them fetched rather than waiting for the store once a node. A writer patches the tree of
 * the newest earlier snapshot of its scope (docs/format.md, "Trees"), so the nodes of a chain are
 * mostly the trees of the `depth` snapshots before it: their snapshot.json are read (at once),
 * and the packs of their trees fetched ahead (CHAIN_AHEAD_BYTES at most). Best effort, never failing: a listing or
 * snapshot.json that does not read, or a tree outside the chain, costs a fetch and nothing else;
 * readTree still follows each node's own base and checks every blob it reads.
 */
export async function fetchChainAhead(
  source: BlobSource,
  manifest: SnapshotManifestV2,
  depth: number,
): Promise<string[]> {
  try {
    const ids: string[] = [];
    for await (const entry of source.store.list(SNAPSHOTS_PREFIX)) {
      const id = snapshotIdOfKey(entry.key);
      if (id !== undefined && id < manifest.id && entry.key === snapshotManifestKey(id)) ids.push(id);
    }
    const trees = await Promise.all(
      ids
        .sort()
        .slice(-depth)
        .map(
          (id) =>
            source.store
              .getBuffer(snapshotManifestKey(id), MAX_JSON_BYTES)
              .then((data) => decodeManifestV2(id, data).tree)
              .catch(() => undefined), // gone meanwhile, damaged, or format 1: not in the chain
        ),
    );
    const packs = new Set<string>();
    let bytes = 0;
    for (const tree of trees.reverse()) {
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
