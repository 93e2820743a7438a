import { indexRecord } from "../archive/index-record.js";
import type { IndexRecord } from "../archive/types.js";
import { ObjectNotFoundError, SnapshotNotFoundError } from "../errors.js";
import { snapshotManifestKey } from "../snapshot/layout.js";
import { MAX_JSON_BYTES } from "../snapshot/read-limits.js";
import { isSnapshotId } from "../snapshot/snapshot-id.js";
import type { PathsAndBlobs, SnapshotObject } from "../snapshot/types.js";
import type { BlobLocation } from "./blob-index.js";
import { BlobSource, type BlobSourceDeps, packOrder } from "./blob-source.js";
import { decodeManifestV2, type SnapshotManifestV2 } from "./manifest.js";
import { byPlace } from "./pack-format.js";
import { eachTreeObject, type TreeRecord, walkTree } from "./tree-walker.js";

/*
 * Reading a format-2 snapshot gives what format 1's readers give (snapshot-readers.ts): index
 * records and objects. A record's `part` is the rank of the pack holding its YAML among the
 * snapshot's packs sorted by id, so a restore can ask for the objects of a few parts as it does
 * with format 1; objects come pack after pack, each pack fetched once.
 */

export interface SnapshotReaderV2Deps extends BlobSourceDeps {
  /** The snapshot's earlierTrees (chain-ahead.ts) when its reading began before the reader (while the index loaded). */
  earlierTrees?: Promise<(string | undefined)[]>;
}

/** Which objects a read gives: those of some parts, those at some archive paths (both: both hold). */
export interface ObjectsFilter {
  parts?: readonly number[];
  paths?: ReadonlySet<string>;
}

/** How many packs a reader of objects fetches ahead of the one it reads (each up to ~16 MiB in memory). */
export const PACKS_AHEAD = 2;

/**
 * How long the objects reader keeps the packs it read whole after its last read ends: a restore's
 * next step finds them (docs/format.md, "Reading frames alone"), a long-lived process does not
 * hold them. @defaultValue 30 s
 */
export const PACKS_IDLE_MS = 30_000;

/**
 * How many objects a streamed read of every object (SnapshotReaderV2.everyObject) sorts and reads
 * at once, at most (a window): the tree is walked on while a window's objects are given, till two
 * windows wait. @defaultValue 4096
 */
export const STREAM_WINDOW = 4096;

/**
 * How many objects a streamed read of every object holds back (those in the packs of the tree's
 * patches, given after the others) before it gives them, in pack order, and holds back afresh:
 * what it holds is bounded, a batch of chunk nodes' objects more at most (the count is looked at
 * between the walk's batches). @defaultValue 65536 (16 windows)
 */
export const HELD_BACK_MOST = 16 * STREAM_WINDOW;

/** Objects of the first window of a streamed read of every object; each next one is twice the one before, up to STREAM_WINDOW. @defaultValue 256 */
export const FIRST_WINDOW = 256;

/** snapshot.json of format-2 snapshot `id`; SnapshotNotFoundError when it is not committed. */
export async function readManifestV2(deps: Pick<BlobSourceDeps, "store">, id: string): Promise<SnapshotManifestV2> {
  if (!isSnapshotId(id)) throw new SnapshotNotFoundError(id);
  const data = await deps.store.getBuffer(snapshotManifestKey(id), MAX_JSON_BYTES).catch((err: unknown) => {
    throw err instanceof ObjectNotFoundError ? new SnapshotNotFoundError(id, { cause: err }) : err;
  });
  return decodeManifestV2(id, data);
}

/** Where an object's YAML lies, as the index gives it, and the part that makes. */
interface Placed {
  location: BlobLocation;
  part: number;
}

interface PlacedRecord extends TreeRecord, Placed {}

/** What a read of every object keeps of each: its path and its YAML's place and part. */
interface PlacedPath extends Placed {
  path: string;
}

/**
 * Every object of the tree as `keep` makes it of its tree record and the location of its YAML
 * (each blob looked up once), with its part.
 */
async function placeObjects<T extends Placed>(
  deps: SnapshotReaderV2Deps,
  manifest: SnapshotManifestV2,
  keep: (object: TreeRecord, location: BlobLocation) => T,
): Promise<T[]> {
  const owner = snapshotManifestKey(manifest.id);
  const source = new BlobSource(deps);
  const placed: T[] = [];
  for (const object of await walkTree(source, manifest, { chainAhead: true, earlierTrees: deps.earlierTrees }))
    placed.push(keep(object, source.locate(owner, object.blob, "data")));
  const packs = [...new Set(placed.map((p) => p.location.pack))].sort();
  const parts = new Map(packs.map((pack, part) => [pack, part]));
  for (const p of placed) p.part = parts.get(p.location.pack) ?? 0;
  return placed;
}

/**
 * `items`, its first item asked for now (a generator's reads start before it is iterated), and
 * `close`, which ends it whether or not it was iterated.
 */
function started<T>(items: AsyncGenerator<T>): { items: AsyncGenerator<T>; close: () => Promise<unknown> } {
  const first = items.next();
  first.catch(() => {}); // thrown when awaited
  async function* rest(): AsyncGenerator<T> {
    try {
      for (let next = await first; !next.done; next = await items.next()) yield next.value;
    } finally {
      await items.return(undefined);
    }
  }
  return { items: rest(), close: () => items.return(undefined) };
}

/** In part order, and in a part in the order of their blobs' places. */
function byPartAndPlace(a: Placed, b: Placed): number {
  return a.part - b.part || byPlace(a.location, b.location);
}

/**
 * Reads one committed format-2 snapshot: its tree is walked once, on first use, then its records
 * and objects are read as often as asked (a restore asks for one part at a time, step after step).
 */
export class SnapshotReaderV2 {
  private placed: Promise<PlacedRecord[]> | undefined;
  private packs: { source: BlobSource; reads: number; idle?: NodeJS.Timeout } | undefined;

  constructor(
    private readonly deps: SnapshotReaderV2Deps,
    readonly manifest: SnapshotManifestV2,
  ) {}

  /** The index records, in tree order. */
  async *indexRecords(): AsyncGenerator<IndexRecord> {
    for (const { record, part } of await this.records()) yield indexRecord(record, part);
  }

  /**
   * The objects, part after part (pack after pack, in offset order), or only those of the parts in
   * `only`, and of those only the ones at `paths` (no other blob read: frames of other objects are
   * not inflated, nor read when a few frames of a pack are wanted); every blob checked against its
   * id, and without `paths` every pack read whole, checked against its id.
   */
  async *objects(only?: readonly number[], paths?: ReadonlySet<string>): AsyncGenerator<SnapshotObject> {
    if (only === undefined && paths === undefined && this.placed === undefined) {
      // Every object (a download, a migration) and the tree not walked yet: walked for this read
      // alone, keeping of each object its path and place, not its whole record, which a large
      // snapshot would hold (and each full collection mark) for the whole read. A restore or a
      // verify reads the records first, and they are kept for its reads of objects.
      const all = await placeObjects(this.deps, this.manifest, (object, location) => ({
        path: object.record.path,
        location,
        part: 0,
      }));
      yield* this.wholeParts(all.sort(byPartAndPlace), (p: PlacedPath) => p.path);
      return;
    }
    const wanted = only && new Set(only);
    const records = (await this.records()).filter(
      (r) => (!wanted || wanted.has(r.part)) && (!paths || paths.has(r.record.path)),
    );
    records.sort(byPartAndPlace);
    if (paths === undefined) {
      yield* this.wholeParts(records, (r: PlacedRecord) => r.record.path);
      return;
    }
    // Some objects (a restore step's): a pack's wanted frames by ranges when those are a small
    // share of it, a pack read whole otherwise, and kept for the next steps.
    const packs = this.keptPacks();
    packs.reads += 1;
    clearTimeout(packs.idle);
    try {
      for await (const [{ record, part }, data] of packs.source.blobsAt(records, { packsAhead: PACKS_AHEAD }))
        yield { path: record.path, data, part };
    } finally {
      packs.reads -= 1;
      if (packs.reads === 0)
        packs.idle = setTimeout(() => {
          if (this.packs === packs) this.packs = undefined;
        }, PACKS_IDLE_MS).unref();
    }
  }

  /**
   * Every object, as its tree is walked (eachTreeObject), for a reader that takes them in any
   * order (a download): a window of objects at a time (FIRST_WINDOW, then each twice the one
   * before, up to STREAM_WINDOW), sorted by pack and place, read (by ranges where those cost less
   * than a pack, rangePlan) and decoded and checked on the frame thread, while the walk goes on
   * (held once two windows wait) and the next window's first frames are read: the first objects
   * come once a window is walked, not once the whole tree is. The objects whose YAML lies in the
   * packs of the tree's patches (those later snapshots stored: their changed objects, spread over
   * the whole tree) come last, in windows in pack order, so that each of those packs' frames is
   * inflated once, not once a window (or, when more than `heldBackMost` are held back, those
   * first, then the rest held back afresh: once a `heldBackMost` of them). The tree's chunk nodes are decoded
   * on the frame thread too, and one BlobSource reads the tree and the data, so a pack holding
   * both (a patch's) is fetched once. Every blob is checked against its id, every tree node as
   * walkTree checks them; a tree found damaged part way fails the read after some objects were
   * given. They come a slice at a time, as the frame thread decoded them: a writer may take the
   * buffer of an `owned` slice whole (writeTree). `window`: objects a window at most (a test's).
   */
  async *everyObject(window = STREAM_WINDOW, heldBackMost = HELD_BACK_MOST): AsyncGenerator<PathsAndBlobs> {
    const owner = snapshotManifestKey(this.manifest.id);
    const source = new BlobSource(this.deps); // one for the tree and the data: a pack of both is fetched once
    const walked: { path: string; location: BlobLocation }[] = [];
    /**
     * The packs of the tree's patches; the objects walked whose YAML lies in one, held back; those
     * being given, in pack order (once the walk has ended or heldBackMost were held back).
     */
    const patchPacks = new Set<string>();
    let later: { path: string; location: BlobLocation }[] = [];
    let draining: { path: string; location: BlobLocation }[] = [];
    const walkOn = () => walked.length < 2 * window && later.length < heldBackMost;
    let ended: { failed: boolean; err?: unknown } | undefined;
    let wake: (() => void) | undefined;
    let resume: { go: () => void; stop: (err: Error) => void } | undefined;
    let stopped = false;
    const woken = () => {
      wake?.();
      wake = undefined;
    };
    const walking = eachTreeObject(
      source,
      this.manifest,
      ({ record, blob }) => {
        const location = source.locate(owner, blob, "data");
        (patchPacks.has(location.pack) ? later : walked).push({ path: record.path, location });
      },
      {
        chain: (patches) => {
          for (const id of patches) {
            const pack = source.where(id)?.pack;
            if (pack !== undefined) patchPacks.add(pack);
          }
        },
        chainAhead: true,
        earlierTrees: this.deps.earlierTrees,
        thread: true,
        pause: () => {
          woken();
          if (stopped) return Promise.reject(new Error("stopped"));
          if (walkOn()) return undefined;
          return new Promise<void>((go, stop) => {
            resume = { go, stop };
          });
        },
      },
    );
    walking.then(
      () => {
        ended = { failed: false };
        woken();
      },
      (err: unknown) => {
        ended = { failed: true, err };
        woken();
      },
    );
    /** The next window's blobs, their first slices being read already; undefined once all are given. */
    let size = Math.min(window, FIRST_WINDOW); // doubled each window up to `window`: the first files come soon
    const nextWindow = async () => {
      while (ended === undefined && draining.length === 0 && walked.length < size && later.length < heldBackMost)
        await new Promise<void>((r) => (wake = r));
      if (ended?.failed) throw ended.err;
      if (draining.length === 0 && later.length > 0 && (later.length >= heldBackMost || walked.length === 0))
        [draining, later] = [later.sort((a, b) => packOrder(a.location, b.location)), []];
      const from = draining.length > 0 ? draining : walked;
      if (from.length === 0) return undefined;
      const taken = from.splice(0, size);
      size = Math.min(2 * size, window);
      if (walkOn()) {
        resume?.go();
        resume = undefined;
      }
      taken.sort((a, b) => packOrder(a.location, b.location));
      return started(source.threadBatchesAt(taken, { packsAhead: PACKS_AHEAD }));
    };
    let following: ReturnType<typeof nextWindow> | undefined;
    try {
      let current = await nextWindow();
      while (current) {
        following = nextWindow(); // read while this window's blobs are given
        following.catch(() => {}); // thrown when awaited
        for await (const { items, blobs, owned } of current.items)
          yield { paths: items.map((item) => item.path), blobs, owned };
        current = await following;
        following = undefined;
      }
    } finally {
      stopped = true;
      resume?.stop(new Error("stopped"));
      // a window started and never given: its reads end, and their packs are let go
      await following?.then((w) => w?.close()).catch(() => {});
    }
  }

  /**
   * Whole parts (a verify, a download): each pack read whole, from the store, whatever an earlier
   * read kept, with the next PACKS_AHEAD fetched meanwhile, its frames decoded and its blobs
   * checked on the frame thread while the caller writes the blobs before.
   */
  private async *wholeParts<T extends Placed>(placed: readonly T[], pathOf: (p: T) => string) {
    const source = new BlobSource(this.deps);
    for await (const [p, data] of source.blobsAt(placed, { packsAhead: PACKS_AHEAD, ranged: false, thread: true }))
      yield { path: pathOf(p), data, part: p.part };
  }

  /**
   * The BlobSource of objects() with `paths`: the packs it read whole are kept from one such read
   * to the next (KEPT_PACK_BYTES), till none has run for PACKS_IDLE_MS.
   */
  private keptPacks() {
    this.packs ??= { source: new BlobSource(this.deps), reads: 0 };
    return this.packs;
  }

  private records(): Promise<PlacedRecord[]> {
    this.placed ??= placeObjects(this.deps, this.manifest, ({ record, blob }, location) => ({
      record,
      blob,
      location,
      part: 0,
    }));
    this.placed.catch(() => {
      this.placed = undefined; // walked again by the next read
    });
    return this.placed;
  }
}

/** The index records of a committed format-2 snapshot, in tree order. */
export function readIndexRecordsV2(
  deps: SnapshotReaderV2Deps,
  manifest: SnapshotManifestV2,
): AsyncGenerator<IndexRecord> {
  return new SnapshotReaderV2(deps, manifest).indexRecords();
}

/**
 * The objects of a committed format-2 snapshot, part after part (pack after pack, in offset
 * order), or only those of the parts in `only`; every blob checked against its id.
 */
export function readSnapshotObjectsV2(
  deps: SnapshotReaderV2Deps,
  manifest: SnapshotManifestV2,
  only?: readonly number[],
): AsyncGenerator<SnapshotObject> {
  return new SnapshotReaderV2(deps, manifest).objects(only);
}
