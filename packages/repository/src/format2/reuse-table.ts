import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BlobIndex } from "./blob-index.js";
import { type Format2Keys, open, seal } from "./keys.js";

/*
 * The reuse table (docs/decisions.md, "Reuse by identity"): what the last snapshot of one scope
 * stored for each object, by its type, uid and resourceVersion, kept beside the index cache. The
 * API server gives an object a new resourceVersion whenever it changes, so an object listed with
 * the uid and resourceVersion of an entry has the YAML of that entry's blob, as long as the YAML
 * is made the same way: the caller's `key` names everything that decides it (options, serializer).
 * It is a local cache, never part of the repository: a missing, damaged or stale table only
 * means objects are read and stored as in a first backup.
 */

/** An object's YAML as a snapshot stored it. */
export interface ReusedBlob {
  blob: string;
  sha256: string;
  bytes: number;
}

/** The object a blob was made from: `group/version/resource`, uid and resourceVersion. */
export interface ObjectIdentity {
  type: string;
  uid: string;
  resourceVersion: string;
}

const VERSION = 1;
const DIR = "reuse";
/** A table of more entries than this is not read (a damaged or hostile length). @defaultValue 10,000,000 */
const MAX_ENTRIES = 10_000_000;

type Entry = [type: string, uid: string, resourceVersion: string, blob: string, sha256: string, bytes: number];

interface TableFile {
  version: number;
  key: string;
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

function parse(body: Buffer, key: string): Entry[] | undefined {
  try {
    const file = JSON.parse(body.toString("utf8")) as TableFile;
    if (file.version !== VERSION || file.key !== key || !Array.isArray(file.entries)) return undefined;
    return file.entries.length <= MAX_ENTRIES ? file.entries : undefined;
  } catch {
    return undefined;
  }
}

function isEntry(entry: unknown): entry is Entry {
  if (!Array.isArray(entry) || entry.length !== 6) return false;
  return entry.slice(0, 5).every((field) => typeof field === "string") && Number.isSafeInteger(entry[5]);
}

const lookupKey = (id: ObjectIdentity) => `${id.type}\u0000${id.uid}\u0000${id.resourceVersion}`;

/** The last snapshot's table of one key: finds the stored blob of an unchanged object. */
export class ReuseTable {
  private constructor(private readonly entries: Map<string, ReusedBlob>) {}

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
    const entries = body && parse(body, deps.key);
    const map = new Map<string, ReusedBlob>();
    for (const entry of entries ?? []) {
      if (!isEntry(entry)) return ReuseTable.empty();
      const [type, uid, resourceVersion, blob, digest, bytes] = entry;
      if (!index.has(blob)) continue;
      map.set(lookupKey({ type, uid, resourceVersion }), { blob, sha256: digest || blob, bytes });
    }
    return new ReuseTable(map);
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

  add(id: ObjectIdentity, stored: ReusedBlob): void {
    if (id.uid === "" || id.resourceVersion === "") return;
    const digest = stored.sha256 === stored.blob ? "" : stored.sha256;
    this.entries.push([id.type, id.uid, id.resourceVersion, stored.blob, digest, stored.bytes]);
  }

  /** Writes the table under a temporary name, then renames it over the last one. */
  async save(deps: ReuseTableDeps): Promise<void> {
    await this.encode(deps).save();
  }

  /**
   * The table's bytes, made now (the CPU of a backup's last seconds: a writer makes them while its
   * last packs upload), and how to save them.
   */
  encode(deps: ReuseTableDeps): EncodedReuseTable {
    const name = fileName(deps.key);
    const file: TableFile = { version: VERSION, key: deps.key, entries: this.entries };
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
