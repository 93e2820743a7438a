// S3 Object Lock and prune: what a prune would delete but the store still retains is spared, so a
// prune in a bucket with Object Lock frees what it may and never stops half-way on a locked object.
import type { ObjectStore } from "../stores/object-store.js";
import { indexFileKey, packKey } from "./layout.js";
import type { WrittenPack } from "./pack-writer.js";
import type { PrunePlan } from "./prune-plan.js";

export interface Spared {
  /** Packs kept (not deleted or repacked) because the store retains them or an index file that lists them. */
  packs: number;
  /** Old index files kept because the store retains them. */
  indexFiles: number;
  /** When the last of their retentions ends. */
  retainedUntil?: Date;
}

/**
 * The plan with every deletion the store would refuse taken out: a retained pack is kept; a
 * retained old index file is kept with every pack it lists (its entries must keep pointing at
 * stored packs); a retained unlisted pack stays. Returns the index files that may go. Stores
 * without retention (no `retainedUntil`) change nothing.
 */
export async function spareRetained(
  store: ObjectStore,
  plan: PrunePlan,
  indexFiles: readonly { id: string; packs: readonly WrittenPack[] }[],
): Promise<{ plan: PrunePlan; deletableIndexFiles: string[]; spared: Spared }> {
  const spared: Spared = { packs: 0, indexFiles: 0 };
  const all = indexFiles.map((f) => f.id);
  if (!store.retainedUntil) return { plan, deletableIndexFiles: all, spared };
  const retained = async (key: string) => {
    const until = await store.retainedUntil?.(key);
    if (until && (!spared.retainedUntil || until > spared.retainedUntil)) spared.retainedUntil = until;
    return until !== undefined;
  };
  const pinned = new Set<string>();
  const deletableIndexFiles: string[] = [];
  for (const file of indexFiles) {
    if (!(await retained(indexFileKey(file.id)))) {
      deletableIndexFiles.push(file.id);
      continue;
    }
    spared.indexFiles += 1;
    for (const pack of file.packs) pinned.add(pack.id);
  }
  const packs = [];
  for (const pack of plan.packs) {
    if (pack.action !== "keep" && (pinned.has(pack.id) || (await retained(packKey(pack.id))))) {
      spared.packs += 1;
      packs.push({ ...pack, action: "keep" as const });
    } else packs.push(pack);
  }
  const unlisted = [];
  for (const pack of plan.unlisted) {
    if (await retained(packKey(pack.id))) spared.packs += 1;
    else unlisted.push(pack);
  }
  return { plan: { ...plan, packs, unlisted }, deletableIndexFiles, spared };
}
