import { DATA_PREFIX, isHexId } from "./layout.js";
import { ENTRY_BYTES, PACK_FOOTER_BYTES, type PackEntry } from "./pack-format.js";
import type { WrittenPack } from "./pack-writer.js";

/** The share of a pack's bytes no snapshot uses above which prune repacks it. @defaultValue 0.2 */
export const DEFAULT_REPACK_THRESHOLD = 0.2;

export type PackAction = "keep" | "repack" | "delete";

/** One listed pack: its size, the blobs of it prune keeps (one location per used blob), and what to do. */
export interface PackPlan {
  id: string;
  bytes: number;
  live: PackEntry[];
  action: PackAction;
}

export interface PrunePlan {
  packs: PackPlan[];
  /** Packs under data/ that no index file lists (left by a backup or prune that died): deleted. */
  unlisted: { id: string; bytes: number }[];
  /** Index entries that the merged index drops (unused blobs, spare copies). */
  droppedEntries: number;
}

/** The pack id of a `data/` key, or undefined. */
export function packIdOfKey(key: string): string | undefined {
  const id = key.startsWith(DATA_PREFIX) ? key.slice(key.lastIndexOf("/") + 1) : "";
  return isHexId(id) && key === `${DATA_PREFIX}${id.slice(0, 2)}/${id}` ? id : undefined;
}

/** Every listed pack once (index files left by a killed prune list some twice), with all its listed entries. */
function mergeListings(indexFiles: readonly { packs: readonly WrittenPack[] }[]): Map<string, WrittenPack> {
  const packs = new Map<string, WrittenPack>();
  for (const file of indexFiles) {
    for (const pack of file.packs) {
      const known = packs.get(pack.id);
      if (!known) packs.set(pack.id, { ...pack, entries: [...pack.entries] });
      else {
        const ids = new Set(known.entries.map((e) => e.id));
        known.entries.push(...pack.entries.filter((e) => !ids.has(e.id)));
      }
    }
  }
  return packs;
}

/** How prune judges packs. */
export interface PlanOptions {
  /** Repack above this unused share. @defaultValue DEFAULT_REPACK_THRESHOLD */
  threshold?: number;
  /** Bytes a sealed header adds (SEAL_OVERHEAD when encrypted, else 0). */
  headerOverhead: number;
}

/** The stored bytes of the frames of `live`, each frame counted in proportion to its live plaintext. */
function liveFrameBytes(live: readonly PackEntry[]): number {
  const frames = new Map<number, { length: number; raw: number; liveRaw: number }>();
  for (const e of live) {
    const frame = frames.get(e.offset) ?? { length: e.length, raw: e.frameRawLength, liveRaw: 0 };
    frame.liveRaw += e.rawLength;
    frames.set(e.offset, frame);
  }
  let bytes = 0;
  for (const f of frames.values()) bytes += f.liveRaw >= f.raw ? f.length : Math.ceil((f.length * f.liveRaw) / f.raw);
  return bytes;
}

function actionOf(pack: WrittenPack, live: readonly PackEntry[], options: PlanOptions): PackAction {
  if (live.length === 0) return "delete";
  const threshold = options.threshold ?? DEFAULT_REPACK_THRESHOLD;
  const trailer = PACK_FOOTER_BYTES + options.headerOverhead;
  const liveBytes = liveFrameBytes(live) + live.length * ENTRY_BYTES + trailer;
  return (pack.bytes - liveBytes) / pack.bytes > threshold ? "repack" : "keep";
}

/**
 * Decides each pack's fate from the index files and the used blob ids. Each used blob is kept in
 * one pack: the packs holding most used blobs claim theirs first, so spare copies go with the
 * emptier packs. A pack with no claimed blob is deleted; one whose unclaimed share of bytes
 * exceeds the threshold is repacked.
 */
export function planPrune(
  indexFiles: readonly { packs: readonly WrittenPack[] }[],
  used: ReadonlyMap<string, string>,
  stored: readonly { key: string; size: number }[],
  options: PlanOptions,
): PrunePlan {
  const listed = mergeListings(indexFiles);
  const usedCount = (p: WrittenPack) => p.entries.filter((e) => used.has(e.id)).length;
  const order = [...listed.values()]
    .map((pack) => ({ pack, count: usedCount(pack) }))
    .sort((a, b) => b.count - a.count || (a.pack.id < b.pack.id ? -1 : 1));
  const claimed = new Set<string>();
  const packs: PackPlan[] = [];
  let droppedEntries = 0;
  for (const { pack } of order) {
    const live = pack.entries.filter((e) => used.has(e.id) && !claimed.has(e.id));
    for (const e of live) claimed.add(e.id);
    droppedEntries += pack.entries.length - live.length;
    packs.push({ id: pack.id, bytes: pack.bytes, live, action: actionOf(pack, live, options) });
  }
  const unlisted = stored
    .map((entry) => ({ id: packIdOfKey(entry.key), bytes: entry.size }))
    .filter((p): p is { id: string; bytes: number } => p.id !== undefined && !listed.has(p.id));
  return { packs, unlisted, droppedEntries };
}
