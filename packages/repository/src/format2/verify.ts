import type { ObjectStore } from "../stores/object-store.js";
import { mapLimit } from "../snapshot/snapshot-scan.js";
import { BlobIndex } from "./blob-index.js";
import { BlobSource } from "./blob-source.js";
import { addPacks, readIndexFiles } from "./index-loader.js";
import type { Format2Keys } from "./keys.js";
import { packKey } from "./layout.js";
import { acquireLock } from "./lock.js";
import { ENTRY_BYTES, encodeEntry, type PackEntry } from "./pack-format.js";
import { type LoadedPack, readPack } from "./pack-reader.js";
import { listSnapshotsV2, markSnapshot } from "./used-blobs.js";
import { verifyJournal } from "../journal/journal-verify.js";

export interface VerifyOptions {
  store: ObjectStore;
  keys: Format2Keys | null;
  /** Read this share of the packs, chosen at random: "10%" or a fraction in (0, 1]; absent: all. */
  readDataSubset?: string | number;
  /** Random numbers in [0, 1) choosing the subset. @defaultValue Math.random */
  random?: () => number;
  /** Hold a shared lock while verifying, so no prune runs meanwhile. @defaultValue true */
  lock?: boolean;
}

/** One thing wrong, naming what it can: the snapshot that uses it, the blob, the pack. */
export interface VerifyProblem {
  snapshot?: string;
  blob?: string;
  pack?: string;
  message: string;
}

/**
 * One line for a problem: where (snapshot when `withSnapshot`, pack key, blob), then the message,
 * e.g. `snapshot 2026…, packs/ab/ab…, blob 3f…: pack has 1017 bytes`.
 */
export function describeVerifyProblem(
  { snapshot, pack, blob, message }: VerifyProblem,
  { withSnapshot = true }: { withSnapshot?: boolean } = {},
): string {
  const where = [withSnapshot && snapshot && `snapshot ${snapshot}`, pack, blob && `blob ${blob}`].filter(Boolean);
  return where.length ? `${where.join(", ")}: ${message}` : message;
}

export interface VerifyReport {
  snapshots: number;
  usedBlobs: number;
  packs: number;
  packsRead: number;
  blobsRead: number;
  problems: VerifyProblem[];
}

/** The fraction `readDataSubset` asks for (0: none read); TypeError naming the option when it is not one. */
export function parseDataSubset(value: string | number | undefined): number {
  if (value === undefined) return 1;
  const match = typeof value === "string" ? /^(\d+(?:\.\d+)?)%$/.exec(value.trim()) : undefined;
  const fraction = typeof value === "number" ? value : match ? Number(match[1]) / 100 : Number.NaN;
  if (!(fraction >= 0 && fraction <= 1))
    throw new TypeError(`readDataSubset: must be a percentage from 0% to 100%, got "${value}"`);
  return fraction;
}

/** `count` of `items` picked at random (Fisher-Yates on a copy). */
function sample<T>(items: readonly T[], count: number, random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, count);
}

/** An entry's bytes in hex, to compare a header's entry with an index file's. */
function encodedEntry(entry: PackEntry): string {
  const bytes = Buffer.alloc(ENTRY_BYTES);
  encodeEntry(entry, bytes, 0);
  return bytes.toString("hex");
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Loads every index file (a broken one is a problem) and marks every snapshot's blobs. */
async function checkStructure(options: VerifyOptions, report: VerifyReport) {
  const index = new BlobIndex();
  const listed = new Map<string, { bytes: number; entries: PackEntry[] }>();
  try {
    for await (const file of readIndexFiles(options)) {
      addPacks(index, file.packs);
      for (const pack of file.packs) listed.set(pack.id, pack);
    }
  } catch (err) {
    report.problems.push({ message: messageOf(err) });
  }
  const source = new BlobSource({ store: options.store, keys: options.keys, index });
  const used = new Map<string, string>();
  try {
    const unreadable = (snapshot: string, err: unknown) => {
      report.snapshots += 1;
      report.problems.push({ snapshot, message: `snapshot.json does not read: ${messageOf(err)}` });
    };
    for await (const manifest of listSnapshotsV2(options.store, unreadable)) {
      report.snapshots += 1;
      try {
        for (const { snapshot, blob, type } of await markSnapshot(source, manifest, used))
          report.problems.push({ snapshot, blob, message: `${type} blob ${blob} is in no index file` });
      } catch (err) {
        report.problems.push({ snapshot: manifest.id, message: `tree does not read: ${messageOf(err)}` });
      }
    }
  } catch (err) {
    report.problems.push({ message: `snapshots do not list: ${messageOf(err)}` });
  }
  report.usedBlobs = used.size;
  const journal = await verifyJournal({ ...options, source });
  report.problems.push(...journal.problems.map((message) => ({ message })));
  return { listed, used };
}

/**
 * Checks every blob the index lists in pack `id` against its id and the header, the pack as `read`
 * gives it (readPack); without `read`, only checks that the pack is there with the size the index
 * records (one stat, no data read).
 */
async function checkPack(
  options: VerifyOptions,
  id: string,
  listing: { bytes: number; entries: PackEntry[] },
  used: ReadonlyMap<string, string>,
  report: VerifyReport,
  read?: Promise<LoadedPack>,
): Promise<void> {
  const problem = (message: string, blob?: string) =>
    report.problems.push({ pack: packKey(id), blob, snapshot: blob && used.get(blob), message });
  if (read === undefined) {
    const size = (await options.store.stat(packKey(id)))?.size;
    if (size !== listing.bytes)
      problem(
        size === undefined ? "pack is missing" : `pack has ${size} bytes, the index records ${listing.bytes}`,
        listing.entries.find((e) => used.has(e.id))?.id,
      );
    return;
  }
  let pack: LoadedPack;
  try {
    pack = await read;
  } catch (err) {
    const firstUser = listing.entries.find((e) => used.has(e.id));
    problem(`pack does not read: ${messageOf(err)}`, firstUser?.id);
    return;
  }
  report.packsRead += 1;
  const header = new Map(pack.entries.map((e) => [e.id, e]));
  for (const entry of listing.entries) {
    const inPack = header.get(entry.id);
    if (!inPack || encodedEntry(inPack) !== encodedEntry(entry)) {
      problem("the index places this blob where the pack's header does not", entry.id);
      continue;
    }
    try {
      pack.blob(inPack);
      report.blobsRead += 1;
    } catch (err) {
      problem(messageOf(err), entry.id);
    }
  }
}

/** Packs checked by size at once (one stat each). */
const STATS_AT_ONCE = 8;

/**
 * Checks a format-2 repository: every snapshot's tree reads and every blob it names is in an
 * index file, and so does every journal segment (journal/journal-verify.ts); then reads every
 * listed pack (or a random `readDataSubset` share of them), checking the pack's hash, its header,
 * and every listed blob against its id. Problems name the snapshot, blob and pack; nothing stops
 * at the first one.
 */
export async function verifyRepository(options: VerifyOptions): Promise<VerifyReport> {
  const fraction = parseDataSubset(options.readDataSubset);
  const lock =
    options.lock === false ? undefined : await acquireLock({ store: options.store, kind: "shared", holder: "verify" });
  try {
    const report: VerifyReport = { snapshots: 0, usedBlobs: 0, packs: 0, packsRead: 0, blobsRead: 0, problems: [] };
    const { listed, used } = await checkStructure(options, report);
    report.packs = listed.size;
    const ids = [...listed.keys()].sort();
    const chosen = fraction >= 1 ? ids : sample(ids, Math.ceil(ids.length * fraction), options.random ?? Math.random);
    // Pack after pack, the next one fetched while one is checked.
    const listingOf = (id: string) => listed.get(id) as { bytes: number; entries: PackEntry[] };
    const fetch = (id: string | undefined) => {
      const pack = id === undefined ? undefined : readPack(options, id, listingOf(id).bytes);
      pack?.catch(() => {}); // reported by checkPack
      return pack;
    };
    chosen.sort();
    let next = fetch(chosen[0]);
    for (const [i, id] of chosen.entries()) {
      lock?.check();
      const pack = next as Promise<LoadedPack>;
      next = fetch(chosen[i + 1]);
      await checkPack(options, id, listingOf(id), used, report, pack);
    }
    const read = new Set(chosen);
    // The others by size, a few stats at a time; each its own report, merged in pack order.
    const sized = await mapLimit(
      ids.filter((id) => !read.has(id)),
      STATS_AT_ONCE,
      async (id) => {
        const own: VerifyReport = { ...report, problems: [] };
        await checkPack(options, id, listingOf(id), used, own);
        return own.problems;
      },
    );
    for (const problems of sized) report.problems.push(...problems);
    return report;
  } finally {
    await lock?.release();
  }
}
