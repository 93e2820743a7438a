import { createHash, randomUUID } from "node:crypto";
import { mkdir, open as openFile, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { IndexOwnerReference as OwnerReference } from "../archive/types.js";
import type { BlobIndex } from "./blob-index.js";
import { type Format2Keys, open, sealParts } from "./keys.js";
import { ownersTextOf, type TableBase, TableEntries } from "./reuse-table-entries.js";
import { ByteWriter, MAGIC, OWN_SHA256, TableFormatError, VERSION } from "./reuse-table-format.js";

export type { Entry, EntryRecord, TableBase } from "./reuse-table-entries.js";

/*
 * The reuse table (docs/decisions.md, "Reuse by identity"): what the last snapshot of one scope
 * stored for each object, by its type, uid and resourceVersion, kept beside the index cache. The
 * API server gives an object a new resourceVersion whenever it changes, so an object listed with
 * the uid and resourceVersion of an entry has the YAML of that entry's blob, as long as the YAML
 * is made the same way: the caller's `key` names everything that decides it (options, serializer).
 * It is a local cache, never part of the repository: a missing, damaged or stale table only
 * means objects are read and stored as in a first backup.
 *
 * It also holds that snapshot's tree (docs/format.md, "Reuse tables"): every object's tree entry
 * with its place, and the snapshot's id, tree id, depth and patched count, so that the next
 * snapshot stores its tree as a patch made from what changed, without reading the base tree
 * (base-changes.ts). Used only when the repository's base is that very snapshot.
 *
 * Version 3 is binary (reuse-table-format.ts), read in place: no object per entry.
 */

/** An object's YAML as a snapshot stored it, and its entry in the table it was found in. */
export interface ReusedBlob {
  blob: string;
  sha256: string;
  bytes: number;
  /** Its number in the table's entries, so that it is not looked up again. */
  entry?: number;
}

/** What a tree entry holds of an object besides its type, uid and blob. */
export interface EntryObject {
  namespace?: string;
  name: string;
  kind: string;
  ownerReferences?: readonly OwnerReference[];
}

/** The object a blob was made from: `group/version/resource`, uid and resourceVersion. */
export interface ObjectIdentity {
  type: string;
  uid: string;
  resourceVersion: string;
}

const DIR = "reuse";

export interface ReuseTableDeps {
  /** The repository's index cache directory: tables live in its `reuse/` subdirectory. */
  cacheDir: string;
  keys: Format2Keys | null;
  /** Everything that decides an object's YAML besides the object (options, serializer version). */
  key: string;
  /** Told why a table found on disk is not used (damaged, truncated, of another version or key). */
  onIgnored?: (reason: string) => void;
}

/** `<sha256 of the key>.table`: not a name an index file in the cache could have. */
const fileName = (key: string) => `${createHash("sha256").update(key).digest("hex")}.table`;
const aadOf = (name: string) => Buffer.from(`kubedump reuse table ${VERSION} ${name}`);
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest();

/**
 * Sealed when the repository is encrypted (it holds digests of plaintext), else checksummed: the
 * file's parts, to be written one after another (a table's records are megabytes, not copied
 * into one buffer again).
 */
function encode(keys: Format2Keys | null, name: string, parts: readonly Buffer[]): Buffer[] {
  if (keys !== null) return sealParts(keys, parts, aadOf(name));
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return [hash.digest(), ...parts];
}

function decode(keys: Format2Keys | null, name: string, data: Buffer): Buffer | undefined {
  if (keys !== null) return open(keys, data, aadOf(name));
  const body = data.subarray(32);
  return data.length > 32 && sha256(body).equals(data.subarray(0, 32)) ? body : undefined;
}

/** The last snapshot's table of one key: finds the stored blob of an unchanged object. */
export class ReuseTable {
  private constructor(
    /** undefined: an empty table. */
    private readonly entries?: TableEntries,
  ) {}

  static empty(): ReuseTable {
    return new ReuseTable();
  }

  /**
   * The table saved under `key`; only entries whose blob `index` holds can be found (a prune may
   * have removed others). Empty when there is none, or it is damaged, or of another key or
   * version: then `onIgnored` is told why.
   */
  static async load(deps: ReuseTableDeps, index: BlobIndex): Promise<ReuseTable> {
    const name = fileName(deps.key);
    const data = await readFile(join(deps.cacheDir, DIR, name)).catch(() => undefined);
    if (data === undefined) return ReuseTable.empty();
    const ignored = (reason: string) => {
      deps.onIgnored?.(`reuse table ${name} ignored: ${reason}`);
      return ReuseTable.empty();
    };
    const body = decode(deps.keys, name, data);
    if (body === undefined)
      return ignored("it fails its check (damaged, truncated, or of another repository or version)");
    try {
      return new ReuseTable(TableEntries.read(body, deps.key, index));
    } catch (err) {
      if (err instanceof TableFormatError || err instanceof RangeError) return ignored(err.message);
      throw err;
    }
  }

  /** The snapshot the table was saved for, when its entries are every object of that snapshot's tree. */
  get base(): TableBase | undefined {
    return this.entries?.base;
  }

  /** The entries, read in place; undefined for an empty table. */
  get all(): TableEntries | undefined {
    return this.entries;
  }

  /** Entries that can be found: with a uid and resourceVersion, and a blob the index held. */
  get size(): number {
    return this.entries?.reusable ?? 0;
  }

  /** Whether `blob` is that of entry number `entry`, and the index held it when the table was loaded. */
  holds(entry: number, blob: string): boolean {
    return this.entries?.holds(entry, blob) ?? false;
  }

  find(id: ObjectIdentity): ReusedBlob | undefined {
    const { entries } = this;
    const entry = entries?.find(id.type, id.uid, id.resourceVersion) ?? -1;
    if (entries === undefined || entry < 0) return undefined;
    const blob = entries.blobOf(entry);
    return { blob, sha256: entries.sha256Of(entry, blob), bytes: entries.bytesOf(entry), entry };
  }
}

/**
 * The table of the snapshot being written, saved once it is committed: entries of `from` (the
 * last snapshot's table) found unchanged are taken as they are, the others encoded as they come.
 * The records are kept as parts, written out one after another: runs of the last table's records
 * (objects come in the order the last backup listed them, so most unchanged entries follow the
 * one before) are parts of its bytes, not copied; the new ones lie in a ByteWriter's chunks.
 */
export class ReuseTableBuilder {
  /** New records, those not yet in `parts` the last ones added. */
  private readonly records = new ByteWriter();
  /** The records before the current run and the new records after it, in order. */
  private readonly parts: Buffer[] = [];
  /** The last table's records being taken as they are: bytes `start` to `end` of its data. */
  private run: { start: number; end: number } | undefined;
  private readonly strings: string[];
  private readonly numbers: Map<string, number>;
  private count = 0;

  constructor(private readonly from?: ReuseTable) {
    // the last table's strings keep their numbers, so that its records are copied unchanged
    this.strings = [...(from?.all?.strings ?? [])];
    this.numbers = new Map(this.strings.map((s, i) => [s, i]));
  }

  private stringNumber(s: string): number {
    let n = this.numbers.get(s);
    if (n === undefined) {
      n = this.strings.push(s) - 1;
      this.numbers.set(s, n);
    }
    return n;
  }

  /** Adds an object of the snapshot: every one, uid and resourceVersion "" when it has none. */
  add(id: ObjectIdentity, stored: ReusedBlob, object: EntryObject): void {
    this.endRun();
    const { records: w } = this;
    w.u32(this.stringNumber(id.type));
    w.u32(this.stringNumber(object.namespace ?? ""));
    w.u32(this.stringNumber(object.kind));
    w.u32(stored.bytes);
    const own = stored.sha256 !== stored.blob;
    w.u8(own ? OWN_SHA256 : 0);
    w.id(stored.blob);
    if (own) w.id(stored.sha256);
    w.text(id.uid, 2);
    w.text(id.resourceVersion, 2);
    w.text(object.name, 2);
    w.text(object.ownerReferences?.length ? ownersTextOf(object.ownerReferences) : "", 4);
    this.count++;
  }

  /** Adds entry number `entry` of the last snapshot's table unchanged (its object found unchanged). */
  addEntry(entry: number): void {
    const from = this.from?.all;
    if (from === undefined || entry < 0 || entry >= from.count)
      throw new RangeError(`reuse table: no entry ${entry} in the last table`);
    const start = from.offsets[entry] as number;
    const end = from.offsets[entry + 1] as number;
    if (this.run?.end === start) this.run.end = end;
    else {
      this.endRun();
      this.parts.push(...this.records.take()); // the new records before this run
      this.run = { start, end };
    }
    this.count++;
  }

  /** Ends the run of the last table's records, if there is one: its bytes are the next part. */
  private endRun(): void {
    const { run } = this;
    const data = this.from?.all?.data;
    if (run === undefined || data === undefined) return;
    this.parts.push(data.subarray(run.start, run.end));
    this.run = undefined;
  }

  /** Every record added so far, as parts in order. */
  private recordParts(): Buffer[] {
    this.endRun();
    this.parts.push(...this.records.take());
    return [...this.parts];
  }

  /** Writes the table under a temporary name, then renames it over the last one. */
  async save(deps: ReuseTableDeps, base?: TableBase): Promise<void> {
    await this.encode(deps, base).save();
  }

  /**
   * The table's bytes, made now (the CPU of a backup's last seconds: a writer makes them while its
   * last packs upload), and how to save them. `base`: the snapshot it is saved for, when the
   * entries are every object of its tree.
   */
  encode(deps: ReuseTableDeps, base?: TableBase): EncodedReuseTable {
    const name = fileName(deps.key);
    const head = new ByteWriter();
    for (const c of MAGIC) head.u8(c.charCodeAt(0));
    head.u32(VERSION);
    head.text(deps.key, 4);
    head.u8(base ? 1 : 0);
    if (base) {
      head.text(base.snapshot, 2);
      head.text(base.tree, 2);
      head.u32(base.depth);
      head.u32(base.patched);
    }
    head.u32(this.strings.length);
    for (const s of this.strings) head.text(s, 4);
    head.u32(this.count);
    const records = this.recordParts();
    head.u32(records.reduce((bytes, part) => bytes + part.length, 0));
    const parts = encode(deps.keys, name, [...head.take(), ...records]);
    return { save: () => saveTable(join(deps.cacheDir, DIR), name, parts) };
  }
}

/** A reuse table's bytes, to be saved once its snapshot is committed. */
export interface EncodedReuseTable {
  save(): Promise<void>;
}

/** Parts a write hands the kernel at once, at most (a system's IOV_MAX is 1,024 or more). */
const PARTS_AT_ONCE = 1024;

/** The file's parts written one after another, under a temporary name, then renamed to `name`. */
async function saveTable(dir: string, name: string, parts: readonly Buffer[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.${name}.${randomUUID()}.tmp`);
  try {
    const file = await openFile(temporary, "w");
    try {
      for (let i = 0; i < parts.length; i += PARTS_AT_ONCE) {
        const some = parts.slice(i, i + PARTS_AT_ONCE);
        const bytes = some.reduce((n, part) => n + part.length, 0);
        const { bytesWritten } = await file.writev(some);
        if (bytesWritten !== bytes) throw new Error(`${temporary}: wrote ${bytesWritten} of ${bytes} bytes`);
      }
    } finally {
      await file.close();
    }
    await rename(temporary, join(dir, name));
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
