import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BlobIndex } from "./blob-index.js";
import type { IndexOwnerReference as OwnerReference } from "../archive/types.js";
import { type Format2Keys, open, seal } from "./keys.js";

/*
 * The reuse table (docs/decisions.md, "Reuse by identity"): what the last snapshot of one scope
 * stored for each object, by its type, uid and resourceVersion, kept beside the index cache. The
 * API server gives an object a new resourceVersion whenever it changes, so an object listed with
 * the uid and resourceVersion of an entry has the YAML of that entry's blob, as long as the YAML
 * is made the same way: the caller's `key` names everything that decides it (options, serializer).
 * It is a local cache, never part of the repository: a missing, damaged or stale table only
 * means objects are read and stored as in a first backup.
 *
 * It also holds that snapshot's tree (docs/format.md, "Reuse table"): every object's tree entry
 * with its place, and the snapshot's id, tree id, depth and patched count, so that the next
 * snapshot stores its tree as a patch made from what changed, without reading the base tree
 * (base-changes.ts). Used only when the repository's base is that very snapshot.
 */

/** An object's YAML as a snapshot stored it, and its entry in the table it was found in. */
export interface ReusedBlob {
  blob: string;
  sha256: string;
  bytes: number;
  /** Its index in the table's entries (ReuseTable.base), so that it is not looked up again. */
  entry?: number;
}

/** What a tree entry holds of an object besides its type, uid and blob. */
export interface EntryObject {
  namespace?: string;
  name: string;
  kind: string;
  ownerReferences?: readonly OwnerReference[];
}

/** The snapshot a table was saved for, and its tree: see BaseChanges. */
export interface TableBase {
  snapshot: string;
  tree: string;
  depth: number;
  patched: number;
}

/** A table's snapshot and every object of its tree, in the order they were added. */
export interface CachedBase extends TableBase {
  entries: readonly Entry[];
}

/** The object a blob was made from: `group/version/resource`, uid and resourceVersion. */
export interface ObjectIdentity {
  type: string;
  uid: string;
  resourceVersion: string;
}

const VERSION = 2;
const DIR = "reuse";
/** A table of more entries than this is not read (a damaged or hostile length). @defaultValue 10,000,000 */
const MAX_ENTRIES = 10_000_000;

/** One object of the snapshot; uid and resourceVersion "" when it has none (then never reused). */
export type Entry = [
  type: string,
  uid: string,
  resourceVersion: string,
  blob: string,
  sha256: string,
  bytes: number,
  namespace: string,
  name: string,
  kind: string,
  ownerReferences: OwnerReference[] | null,
];

interface TableFile {
  version: number;
  key: string;
  /** null: the table's entries are not every object of a snapshot's tree. */
  base: TableBase | null;
  entries: Entry[];
}

export interface ReuseTableDeps {
  /** The repository's index cache directory: tables live in its `reuse/` subdirectory. */
  cacheDir: string;
  keys: Format2Keys | null;
  /** Everything that decides an object's YAML besides the object (options, serializer version). */
  key: string;
}

/** `<sha256 of the key>.table`: not a name an index file in the cache could have. */
const fileName = (key: string) => `${createHash("sha256").update(key).digest("hex")}.table`;
const aadOf = (name: string) => Buffer.from(`kubedump reuse table ${VERSION} ${name}`);
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest();

/** Sealed when the repository is encrypted (it holds digests of plaintext), else checksummed. */
function encode(keys: Format2Keys | null, name: string, body: Buffer): Buffer {
  return keys === null ? Buffer.concat([sha256(body), body]) : seal(keys, body, aadOf(name));
}

function decode(keys: Format2Keys | null, name: string, data: Buffer): Buffer | undefined {
  if (keys !== null) return open(keys, data, aadOf(name));
  const body = data.subarray(32);
  return data.length > 32 && sha256(body).equals(data.subarray(0, 32)) ? body : undefined;
}

function parse(body: Buffer, key: string): TableFile | undefined {
  try {
    const file = JSON.parse(body.toString("utf8")) as TableFile;
    if (file.version !== VERSION || file.key !== key || !Array.isArray(file.entries)) return undefined;
    return file.entries.length <= MAX_ENTRIES ? file : undefined;
  } catch {
    return undefined;
  }
}

function isEntry(entry: unknown): entry is Entry {
  if (!Array.isArray(entry) || entry.length !== 10) return false;
  const [type, uid, resourceVersion, blob, sha256, bytes, namespace, name, kind, owners] = entry;
  const ownersOk = owners === null || (Array.isArray(owners) && owners.every((o) => typeof o === "object" && o));
  const ids = typeof type === "string" && typeof uid === "string" && typeof resourceVersion === "string";
  const stored = typeof blob === "string" && typeof sha256 === "string" && Number.isSafeInteger(bytes);
  const place = typeof namespace === "string" && typeof name === "string" && typeof kind === "string";
  return ids && stored && place && ownersOk;
}

function isBase(base: unknown): base is TableBase {
  if (typeof base !== "object" || base === null) return false;
  const { snapshot, tree, depth, patched } = base as Record<string, unknown>;
  const counts = Number.isSafeInteger(depth) && Number.isSafeInteger(patched);
  return typeof snapshot === "string" && typeof tree === "string" && counts;
}

const lookupKey = (id: ObjectIdentity) => `${id.type}\u0000${id.uid}\u0000${id.resourceVersion}`;

/** The last snapshot's table of one key: finds the stored blob of an unchanged object. */
export class ReuseTable {
  private constructor(
    private readonly entries: Map<string, ReusedBlob>,
    /** The snapshot the table was saved for, with all of its tree's objects; none in a table without. */
    readonly base?: CachedBase,
    /** The entries with a blob the index held when the table was loaded, by number; others undefined. */
    private readonly present: readonly (Entry | undefined)[] = [],
  ) {}

  static empty(): ReuseTable {
    return new ReuseTable(new Map());
  }

  /**
   * The table saved under `key`, keeping only entries whose blob `index` holds (a prune may have
   * removed others); empty when there is none, or it is damaged, or of another key or version.
   */
  static async load(deps: ReuseTableDeps, index: BlobIndex): Promise<ReuseTable> {
    const name = fileName(deps.key);
    const data = await readFile(join(deps.cacheDir, DIR, name)).catch(() => undefined);
    const body = data && decode(deps.keys, name, data);
    const file = body && parse(body, deps.key);
    if (!file) return ReuseTable.empty();
    const map = new Map<string, ReusedBlob>();
    const { entries } = file;
    const present: (Entry | undefined)[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (!isEntry(entry)) return ReuseTable.empty();
      const [type, uid, resourceVersion, blob, digest, bytes] = entry;
      if (uid === "" || resourceVersion === "" || !index.has(blob)) continue;
      map.set(lookupKey({ type, uid, resourceVersion }), { blob, sha256: digest || blob, bytes, entry: i });
      present[i] = entry;
    }
    return new ReuseTable(map, isBase(file.base) ? { ...file.base, entries } : undefined, present);
  }

  /** Whether `blob` is that of entry number `entry`, and the index held it when the table was loaded. */
  holds(entry: number, blob: string): boolean {
    return this.present[entry]?.[3] === blob;
  }

  get size(): number {
    return this.entries.size;
  }

  find(id: ObjectIdentity): ReusedBlob | undefined {
    return this.entries.get(lookupKey(id));
  }
}

/** The table of the snapshot being written, saved once it is committed. */
export class ReuseTableBuilder {
  private readonly entries: Entry[] = [];

  /** Adds an object of the snapshot: every one, uid and resourceVersion "" when it has none. */
  add(id: ObjectIdentity, stored: ReusedBlob, object: EntryObject): void {
    const digest = stored.sha256 === stored.blob ? "" : stored.sha256;
    const { namespace = "", name, kind, ownerReferences: owners } = object;
    const ownerReferences = owners?.length ? [...owners] : null;
    const { type, uid, resourceVersion } = id;
    this.entries.push([
      type,
      uid,
      resourceVersion,
      stored.blob,
      digest,
      stored.bytes,
      namespace,
      name,
      kind,
      ownerReferences,
    ]);
  }

  /** Adds an entry of the last snapshot's table unchanged (its object found unchanged). */
  addEntry(entry: Entry): void {
    this.entries.push(entry);
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
    const file: TableFile = { version: VERSION, key: deps.key, base: base ?? null, entries: this.entries };
    const data = encode(deps.keys, name, Buffer.from(JSON.stringify(file)));
    return { save: () => saveTable(join(deps.cacheDir, DIR), name, data) };
  }
}

/** A reuse table's bytes, to be saved once its snapshot is committed. */
export interface EncodedReuseTable {
  save(): Promise<void>;
}

async function saveTable(dir: string, name: string, data: Buffer): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.${name}.${randomUUID()}.tmp`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, join(dir, name));
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
