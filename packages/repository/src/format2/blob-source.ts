import { IntegrityError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobIndex, BlobLocation } from "./blob-index.js";
import type { Format2Keys } from "./keys.js";
import { type BlobType, byPlace } from "./pack-format.js";
import { type LoadedPack, readPack } from "./pack-reader.js";

export interface BlobSourceDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
  index: BlobIndex;
}

/** How many packs a BlobSource keeps in memory: tree blobs sit together in a snapshot's last packs. @defaultValue 2 */
export const PACKS_KEPT = 2;

/** Reads blobs by id through the index, fetching each pack whole and keeping the last few. */
export class BlobSource {
  private readonly deps: BlobSourceDeps;
  private readonly kept = new Map<string, LoadedPack>();
  /** Packs being fetched ahead of their use (prefetch), each taken once by pack(). */
  private readonly ahead = new Map<string, Promise<LoadedPack>>();

  constructor(deps: BlobSourceDeps) {
    this.deps = deps;
  }

  /** The store the packs are read from. */
  get store(): ObjectStore {
    return this.deps.store;
  }

  /** The location an index file gives blob `id`, if any. */
  where(id: string): BlobLocation | undefined {
    return this.deps.index.get(id);
  }

  /** The size an index file records for pack `id`, if any. */
  packBytes(id: string): number | undefined {
    return this.deps.index.packBytes(id);
  }

  /** Whether an index file lists blob `id`. */
  has(id: string): boolean {
    return this.deps.index.has(id);
  }

  /** The location of blob `id`, which must be of `type`; IntegrityError naming `owner` when no index file lists it. */
  locate(owner: string, id: string, type: BlobType): BlobLocation {
    const location = this.where(id);
    if (!location) throw new IntegrityError(owner, `blob ${id} is in no index file`);
    if (location.type !== type) throw new IntegrityError(owner, `blob ${id} is a ${location.type} blob, not ${type}`);
    return location;
  }

  /** The plaintext of blob `id`, checked against its id. */
  async blob(owner: string, id: string, type: BlobType): Promise<Buffer> {
    const location = this.locate(owner, id, type);
    const pack = await this.pack(location.pack);
    return pack.blob(location);
  }

  /**
   * Calls `use` with the plaintext of each blob of `ids` (duplicates once), pack after pack in id
   * order and in offset order inside a pack, so each pack is fetched and each frame inflated once
   * however the blobs are spread.
   */
  async eachBlob(owner: string, ids: Iterable<string>, type: BlobType, use: (id: string, data: Buffer) => void) {
    const byPack = new Map<string, BlobLocation[]>();
    for (const id of new Set(ids)) {
      const location = this.locate(owner, id, type);
      const list = byPack.get(location.pack);
      if (list) list.push(location);
      else byPack.set(location.pack, [location]);
    }
    for (const packId of [...byPack.keys()].sort()) {
      const pack = await this.pack(packId);
      const locations = (byPack.get(packId) ?? []).sort(byPlace);
      for (const location of locations) use(location.id, pack.blob(location)); // each frame inflated once
    }
  }

  /**
   * Starts fetching packs `ids` (those not kept or already coming) while the caller still reads
   * others, so that a reader going pack after pack waits for the store once, not once a pack. A
   * failed fetch is thrown by the pack() that takes it.
   */
  prefetch(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.kept.has(id) || this.ahead.has(id)) continue;
      const fetching = readPack(this.deps, id, this.deps.index.packBytes(id));
      fetching.catch(() => {}); // thrown by pack(id), if it is ever asked for
      this.ahead.set(id, fetching);
    }
  }

  /** Pack `id`, fetched whole (no more bytes than the index records for it) and checked. */
  async pack(id: string): Promise<LoadedPack> {
    const kept = this.kept.get(id);
    if (kept) return kept;
    const ahead = this.ahead.get(id);
    this.ahead.delete(id);
    const pack = await (ahead ?? readPack(this.deps, id, this.deps.index.packBytes(id)));
    this.kept.set(id, pack);
    for (const old of this.kept.keys()) {
      if (this.kept.size <= PACKS_KEPT) break;
      this.kept.delete(old);
    }
    return pack;
  }
}
