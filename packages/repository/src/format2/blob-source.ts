import { IntegrityError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import type { BlobIndex, BlobLocation } from "./blob-index.js";
import { blobsOnThread, type PackBytes } from "./frame-thread.js";
import type { Format2Keys } from "./keys.js";
import { packKey } from "./layout.js";
import { type BlobType, blobOfFrame, byPlace } from "./pack-format.js";
import {
  checkFramePlace,
  FRAMES_KEPT,
  framePlace,
  frameRanges,
  type LoadedPack,
  type LoadedRange,
  type PackRange,
  readPack,
  readRange,
} from "./pack-reader.js";

export interface BlobSourceDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
  index: BlobIndex;
  /** The most bytes of packs read whole kept in memory (default KEPT_PACK_BYTES). */
  keptPackBytes?: number;
  /** The most plaintext of a slice of frames decoded on the frame thread at once (default THREAD_SLICE_BYTES). */
  threadSliceBytes?: number;
}

/**
 * The most bytes of packs read whole a BlobSource keeps in memory (the last read, and always the
 * last one): tree blobs sit together in a snapshot's last packs, and a restore's steps read the
 * same small packs of later snapshots step after step. @defaultValue 32 MiB
 */
export const KEPT_PACK_BYTES = 32 * 1024 * 1024;
/**
 * blobsAt reads the frames it needs of a pack by ranges when those cost less than this share of
 * the pack's bytes (each range counted as its bytes and RANGE_REQUEST_BYTES), and the whole pack
 * otherwise (docs/format.md, "Reading frames alone"). @defaultValue 0.5
 */
export const RANGED_SHARE = 0.5;
/**
 * What one more request costs, counted in bytes read: frames this many bytes apart or closer are
 * read in one range (the bytes between too), and blobsAt adds this for each range to its bytes.
 * @defaultValue 256 KiB
 */
export const RANGE_REQUEST_BYTES = 256 * 1024;
/** The most bytes of one range (a larger frame is a range alone); blobsAt holds two at most. @defaultValue 4 MiB */
export const RANGE_MOST_BYTES = 4 * 1024 * 1024;
/**
 * The most plaintext of the frames blobsAt has the frame thread decode at once (a slice), with
 * `thread`: a slice is one message each way, decoded there in a few ms, while writing its blobs
 * takes the main thread tens of ms. @defaultValue 2 MiB
 */
export const THREAD_SLICE_BYTES = 2 * 1024 * 1024;
/**
 * How many slices blobsAt has decoded ahead of the one whose blobs it gives, with `thread`: the
 * thread stays ahead of the writes, and holds little plaintext in flight. @defaultValue 2
 */
export const THREAD_SLICES_AHEAD = 2;
/**
 * How many frames of one pack blob() reads alone (one range each) before it fetches the pack
 * whole and keeps it, for a caller that reads a pack blob after blob. @defaultValue 8
 */
export const FRAME_READS_PER_PACK = 8;

/**
 * Reads blobs by id through the index. A reader that wants most of a pack gets it whole (fetched
 * once, checked against its id, the packs read last kept up to KEPT_PACK_BYTES); one that wants a
 * few of its blobs gets only their frames (ranged reads, the last FRAMES_KEPT frames kept), each
 * blob checked against its id either way.
 */
export class BlobSource {
  private readonly deps: BlobSourceDeps;
  private readonly kept = new Map<string, LoadedPack>();
  /** Packs being fetched ahead of their use (prefetch), each taken once by pack(). */
  private readonly ahead = new Map<string, Promise<LoadedPack>>();
  /** Plaintext of frames read alone, by `<pack> <framePlace>`: the last FRAMES_KEPT. */
  private readonly frames = new Map<string, Buffer>();
  /** How many frames blob() read alone, by pack. */
  private readonly frameReads = new Map<string, number>();

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

  /**
   * The plaintext of blob `id`, checked against its id: from its pack when that is kept or coming
   * (or after FRAME_READS_PER_PACK frames of it were read alone), otherwise its frame read alone.
   */
  async blob(owner: string, id: string, type: BlobType): Promise<Buffer> {
    const location = this.placed(this.locate(owner, id, type));
    const reads = this.frameReads.get(location.pack) ?? 0;
    if (this.whole(location.pack) || reads >= FRAME_READS_PER_PACK)
      return (await this.pack(location.pack)).blob(location);
    let frame = this.frames.get(`${location.pack} ${framePlace(location)}`);
    if (!frame) {
      this.frameReads.set(location.pack, reads + 1);
      frame = this.keepFrame(location, await this.frameAlone(location));
    }
    return blobOfFrame(this.deps.keys, packKey(location.pack), location, frame);
  }

  /**
   * Calls `use` with the plaintext of each blob of `ids` (duplicates once), pack after pack in id
   * order and in offset order inside a pack, so each pack is read and each frame inflated once
   * however the blobs are spread (blobsAt); with `thread`, the frames are decoded and the blobs
   * checked on the frame thread.
   */
  async eachBlob(
    owner: string,
    ids: Iterable<string>,
    type: BlobType,
    use: (id: string, data: Buffer) => void,
    { thread = false }: { thread?: boolean } = {},
  ) {
    const located = [...new Set(ids)].map((id) => ({ location: this.locate(owner, id, type) }));
    located.sort((a, b) => packOrder(a.location, b.location));
    for await (const [{ location }, data] of this.blobsAt(located, { thread })) use(location.id, data); // each frame inflated once
  }

  /**
   * The plaintext of the blob at each item's location, in the items' order (those of one pack
   * together, sorted byPlace), each checked against its id, every frame first checked to lie
   * inside its pack (checkFramePlace): a pack's blobs from the frames that hold them, read by
   * ranges, when those cost less than RANGED_SHARE of it (rangePlan), otherwise from the pack read
   * whole, the next `packsAhead` packs read whole being fetched meanwhile. With `ranged` false,
   * every pack is read whole (and checked against its id); with `thread` too, the frames of each
   * are decoded and its blobs checked on the frame thread (threadBlobs).
   */
  async *blobsAt<T extends { location: BlobLocation }>(
    items: readonly T[],
    { packsAhead = 0, ranged = true, thread = false }: { packsAhead?: number; ranged?: boolean; thread?: boolean } = {},
  ): AsyncGenerator<[T, Buffer]> {
    const { runs, plans } = this.plan(items, ranged);
    if (thread) {
      for await (const { items: slice, blobs } of this.threadBlobs(runs, plans, packsAhead))
        for (const [i, item] of slice.entries()) yield [item, blobs[i] as Buffer];
      return;
    }
    const whole = runs.filter((_, i) => !plans[i]).map((run) => run.pack);
    let wholeDone = 0; // whole[] before this many are read or being read
    try {
      for (const [i, { pack: id, items: run }] of runs.entries()) {
        const plan = plans[i];
        if (!plan) wholeDone += 1;
        this.prefetch(whole.slice(wholeDone, wholeDone + packsAhead)); // fetched while this one is read
        if (plan) {
          yield* this.frameBlobs(id, run, plan);
          continue;
        }
        const pack = await this.pack(id);
        for (const item of run) yield [item, pack.blob(item.location)];
      }
    } finally {
      for (const id of whole.slice(wholeDone)) this.ahead.delete(id); // a read stopped early holds none
    }
  }

  /**
   * blobsAt with `thread`, a slice of items at a time with their blobs (`blobs[i]` the plaintext of
   * `items[i]`): for a reader of many blobs, one step of its loop a slice rather than one a blob.
   */
  async *threadBatchesAt<T extends { location: BlobLocation }>(
    items: readonly T[],
    { packsAhead = 0, ranged = true }: { packsAhead?: number; ranged?: boolean } = {},
  ): AsyncGenerator<{ items: T[]; blobs: Buffer[]; owned: boolean }> {
    const { runs, plans } = this.plan(items, ranged);
    yield* this.threadBlobs(runs, plans, packsAhead);
  }

  /**
   * `items` as blobsAt reads them: in runs of one pack, each frame checked to lie inside its pack
   * (placed), and how each run is read (rangePlan when `ranged`; undefined: its pack whole).
   */
  private plan<T extends { location: BlobLocation }>(items: readonly T[], ranged: boolean) {
    const runs: { pack: string; items: T[] }[] = [];
    for (const item of items) {
      this.placed(item.location);
      const last = runs.at(-1);
      if (last?.pack === item.location.pack) last.items.push(item);
      else runs.push({ pack: item.location.pack, items: [item] });
    }
    const plans = runs.map((run) =>
      ranged
        ? this.rangePlan(
            run.pack,
            run.items.map((item) => item.location),
          )
        : undefined,
    );
    return { runs, plans };
  }

  /**
   * blobsAt's reads on the frame thread, a slice at a time: each run's frames from its pack read
   * whole, or from the ranges of its plan (rangePlan's, when blobsAt reads `ranged`), cut into
   * slices of up to THREAD_SLICE_BYTES of frames of one pack or one range; THREAD_SLICES_AHEAD
   * slices are being decoded there (blobsOnThread) while the blobs of the one before are given, a
   * slice's bytes fetched when it is started (once, till its last slice is given), and the next
   * `packsAhead` packs read whole fetched meanwhile. A blob whose frame a ranged read before kept
   * (rangePlan's pinned) is cut from it here. `owned`: the slice's blobs lie in the buffer the
   * frame thread sent, which nothing else holds (not so those cut from a kept frame).
   */
  private async *threadBlobs<T extends { location: BlobLocation }>(
    runs: readonly { pack: string; items: T[] }[],
    plans: readonly (RangePlan | undefined)[],
    packsAhead: number,
  ): AsyncGenerator<{ items: T[]; blobs: Buffer[]; owned: boolean }> {
    const most = this.deps.threadSliceBytes ?? THREAD_SLICE_BYTES;
    const slices = runs.flatMap((run, r) =>
      threadSlicesOf(run.items, plans[r], most).map((slice) => ({ r, ...slice })),
    );
    const bytes = new Map<string, Promise<PackBytes>>(); // by `${r} ${range}`, from its first slice started to its last given
    const lastSlice = new Map(slices.map(({ r, range }, k) => [`${r} ${range}`, k]));
    const bytesOf = (r: number, range: number): Promise<PackBytes> => {
      const key = `${r} ${range}`;
      let got = bytes.get(key);
      if (!got) {
        const { pack } = runs[r] as { pack: string };
        const plan = plans[r];
        if (range < 0) {
          const whole = runs.slice(r + 1).filter((_, i) => !plans[r + 1 + i]); // the runs read whole after this one
          this.prefetch(whole.slice(0, packsAhead).map((run) => run.pack));
        }
        const part = plan?.ranges[range];
        got = part ? this.rangeBytes(pack, part) : this.pack(pack);
        bytes.set(key, got);
      }
      return got;
    };
    const pending: Promise<Buffer[]>[] = [];
    const start = (k: number) => {
      const slice = slices[k];
      if (!slice) return;
      const { r, range, items, frame } = slice;
      const locations = items.map((item) => item.location);
      const decoding = frame
        ? Promise.resolve().then(() =>
            locations.map((location) => blobOfFrame(this.deps.keys, packKey(location.pack), location, frame)),
          )
        : bytesOf(r, range).then((packBytes) => blobsOnThread(this.deps.keys, packBytes, locations));
      decoding.catch(() => {}); // thrown when its turn comes
      pending.push(decoding);
    };
    for (let k = 0; k < THREAD_SLICES_AHEAD; k++) start(k);
    try {
      for (const [k, { r, range, items, frame }] of slices.entries()) {
        const blobs = await (pending.shift() as Promise<Buffer[]>);
        start(k + THREAD_SLICES_AHEAD);
        if (lastSlice.get(`${r} ${range}`) === k) bytes.delete(`${r} ${range}`); // a range's slices may lie apart
        yield { items, blobs, owned: !frame };
      }
    } finally {
      for (const { pack } of runs) this.ahead.delete(pack); // a read stopped early holds none
    }
  }

  /** The stored bytes of `range` of pack `id`, read alone (readRange), for the frame thread. */
  private async rangeBytes(id: string, range: PackRange): Promise<PackBytes> {
    const { data } = await this.readRange(id, range);
    return { key: packKey(id), data, offset: range.offset };
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
    if (kept) {
      this.kept.delete(id);
      this.kept.set(id, kept); // kept the longest as the last read
      return kept;
    }
    const ahead = this.ahead.get(id);
    this.ahead.delete(id);
    const pack = await (ahead ?? readPack(this.deps, id, this.deps.index.packBytes(id)));
    this.kept.set(id, pack);
    let bytes = 0;
    for (const kept of this.kept.values()) bytes += kept.bytes;
    for (const [old, { bytes: oldBytes }] of this.kept) {
      if (bytes <= (this.deps.keptPackBytes ?? KEPT_PACK_BYTES) || old === id) break;
      this.kept.delete(old);
      bytes -= oldBytes;
    }
    return pack;
  }

  /** Whether pack `id` is read whole: it is kept or coming, the store reads no ranges, or no index file gives its size. */
  private whole(id: string): boolean {
    return this.kept.has(id) || this.ahead.has(id) || !this.deps.store.getRange || this.packBytes(id) === undefined;
  }

  /** `location`, once its frame is checked to lie inside its pack as an index file records it (checkFramePlace). */
  private placed(location: BlobLocation): BlobLocation {
    const bytes = this.packBytes(location.pack);
    if (bytes !== undefined) checkFramePlace(packKey(location.pack), location, bytes);
    return location;
  }

  /**
   * How blobsAt reads the frames of `locations` (sorted byPlace) in pack `id`: undefined, the
   * whole pack (it is kept or coming, or the ranges of the frames not kept cost RANGED_SHARE of
   * its bytes or more, RANGE_REQUEST_BYTES a range besides its own); otherwise those ranges, and
   * the frames kept already.
   */
  private rangePlan(id: string, locations: readonly BlobLocation[]): RangePlan | undefined {
    const bytes = this.packBytes(id);
    if (this.whole(id) || bytes === undefined) return undefined;
    const pinned = new Map<string, Buffer>(); // held while frameBlobs runs
    const unkept = distinctFrames(locations).filter((frame) => {
      const kept = this.frames.get(`${id} ${framePlace(frame)}`);
      if (kept) pinned.set(framePlace(frame), kept);
      return kept === undefined;
    });
    const ranges = frameRanges(unkept, RANGE_REQUEST_BYTES, RANGE_MOST_BYTES);
    const cost = ranges.reduce((sum, range) => sum + range.length + RANGE_REQUEST_BYTES, 0);
    return cost < RANGED_SHARE * bytes ? { pinned, ranges } : undefined;
  }

  /**
   * blobsAt's reads of pack `id` by frames (`plan`): a range fetched ahead of the one whose
   * blobs are given.
   */
  private async *frameBlobs<T extends { location: BlobLocation }>(
    id: string,
    run: readonly T[],
    { pinned, ranges }: RangePlan,
  ): AsyncGenerator<[T, Buffer]> {
    const rangeOf = new Map(ranges.flatMap((range, i) => range.frames.map((f) => [framePlace(f), i] as const)));
    const start = (i: number) => {
      const range = ranges[i];
      const reading = range && this.readRange(id, range);
      reading?.catch(() => {}); // thrown when awaited
      return reading;
    };
    let [at, current, next] = [-1, undefined as LoadedRange | undefined, start(0)];
    let last: { place: string; frame: Buffer } | undefined;
    for (const item of run) {
      const { location } = item;
      const place = framePlace(location);
      let frame = last?.place === place ? last.frame : pinned.get(place);
      if (!frame) {
        const i = rangeOf.get(place) ?? -1;
        for (; at < i; next = start(at + 1)) [at, current] = [at + 1, await next];
        frame = this.keepFrame(
          location,
          current && i === at ? current.frame(location) : await this.frameAlone(location),
        );
      }
      last = { place, frame };
      yield [item, blobOfFrame(this.deps.keys, packKey(id), location, frame)];
    }
  }

  /** The plaintext of the frame of `location`, read alone. */
  private async frameAlone(location: BlobLocation): Promise<Buffer> {
    const range = { offset: location.offset, length: location.length, frames: [location] };
    return (await this.readRange(location.pack, range)).frame(location);
  }

  private readRange(id: string, range: PackRange): Promise<LoadedRange> {
    const { store, keys } = this.deps;
    const getRange = store.getRange?.bind(store);
    if (!getRange) throw new TypeError("the store reads no ranges"); // whole() is checked first
    return readRange({ store: { getRange }, keys }, id, range);
  }

  /** Keeps the plaintext of a frame read alone (the last FRAMES_KEPT); returns it. */
  private keepFrame(location: BlobLocation, frame: Buffer): Buffer {
    this.frames.set(`${location.pack} ${framePlace(location)}`, frame);
    for (const old of this.frames.keys()) {
      if (this.frames.size <= FRAMES_KEPT) break;
      this.frames.delete(old);
    }
    return frame;
  }
}

/** The frames blobsAt reads of a pack by ranges, and those it has kept already (by framePlace). */
interface RangePlan {
  ranges: PackRange[];
  pinned: Map<string, Buffer>;
}

/** `items` (of one pack, sorted byPlace) cut into runs of whole frames of up to `most` bytes of plaintext (a larger frame alone). */
function threadSlices<T extends { location: BlobLocation }>(items: readonly T[], most: number): T[][] {
  const slices: T[][] = [];
  let [bytes, offset] = [Number.POSITIVE_INFINITY, -1];
  for (const item of items) {
    const { location } = item;
    if (location.offset !== offset) {
      if (bytes + location.frameRawLength > most) {
        slices.push([]);
        bytes = 0;
      }
      bytes += location.frameRawLength;
      offset = location.offset;
    }
    slices.at(-1)?.push(item);
  }
  return slices;
}

/**
 * The slices threadBlobs decodes `items` (of one pack, sorted byPlace) in: with no `plan` (the
 * pack read whole), threadSlices of them (`range` -1); with one, those of each of its ranges
 * apart, and each run of blobs of one frame the plan kept (pinned) alone, with that frame.
 */
function threadSlicesOf<T extends { location: BlobLocation }>(
  items: readonly T[],
  plan: RangePlan | undefined,
  most: number,
): { range: number; items: T[]; frame?: Buffer }[] {
  if (!plan) return threadSlices(items, most).map((slice) => ({ range: -1, items: slice }));
  const rangeOf = new Map(plan.ranges.flatMap((range, i) => range.frames.map((f) => [framePlace(f), i] as const)));
  const out: { range: number; items: T[]; frame?: Buffer }[] = [];
  let group: { range: number; items: T[]; frame?: Buffer } | undefined;
  const flush = () => {
    if (!group) return;
    if (group.frame) out.push(group);
    else for (const slice of threadSlices(group.items, most)) out.push({ range: group.range, items: slice });
  };
  for (const item of items) {
    const place = framePlace(item.location);
    const frame = plan.pinned.get(place);
    const range = frame ? -2 : (rangeOf.get(place) ?? -1);
    if (!group || group.range !== range || (frame && group.frame !== frame)) {
      flush();
      group = { range, items: [], frame };
    }
    group.items.push(item);
  }
  flush();
  return out;
}

/** Pack id order, then byPlace. */
export function packOrder(a: BlobLocation, b: BlobLocation): number {
  return a.pack < b.pack ? -1 : a.pack > b.pack ? 1 : byPlace(a, b);
}

/** One location of each frame of `locations` (sorted byPlace), in their order. */
function distinctFrames(locations: readonly BlobLocation[]): BlobLocation[] {
  const seen = new Set<string>();
  return locations.filter((location) => {
    const place = framePlace(location);
    if (seen.has(place)) return false;
    seen.add(place);
    return true;
  });
}
