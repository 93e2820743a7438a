import type { IndexOwnerReference as OwnerReference } from "../archive/types.js";
import type { BlobIndex } from "./blob-index.js";
import { canonicalText } from "./canonical-json.js";
import {
  ByteReader,
  FIXED,
  hashBytes,
  hashText,
  idEquals,
  MAGIC,
  mixHashes,
  OWN_SHA256,
  TableFormatError,
  textEquals,
  VERSION,
} from "./reuse-table-format.js";

/** The bytes of a record whose strings are all empty. */
const MIN_RECORD = FIXED + 10;
const truncated = (entry: number) => new TableFormatError(`truncated in entry ${entry}`);

/** A table of more entries than this is not read (a damaged or hostile length). @defaultValue 10,000,000 */
const MAX_ENTRIES = 10_000_000;

/** The snapshot a table was saved for, and its tree: see BaseChanges. */
export interface TableBase {
  snapshot: string;
  tree: string;
  depth: number;
  patched: number;
}

/** One object of a table's snapshot, as BaseChanges reads a changed or removed one. */
export interface Entry {
  group: string;
  version: string;
  resource: string;
  uid: string;
  blob: string;
  sha256: string;
  bytes: number;
  namespace?: string;
  name: string;
  kind: string;
  ownerReferences?: OwnerReference[];
}

/** What an entry is compared with: an object's record, as the writer has it. */
export interface EntryRecord {
  group: string;
  version: string;
  resource: string;
  uid: string;
  namespace?: string;
  name: string;
  kind: string;
  sha256: string;
  bytes: number;
  ownerReferences?: readonly OwnerReference[];
}

/** The place of an object in a tree: one object per place. */
export type Place = { namespace?: string; group: string; resource: string; name: string };
export const placeKey = (p: Place) => `${p.namespace ?? ""}\u0000${p.group}\u0000${p.resource}\u0000${p.name}`;
export const placeHash = (p: Place) =>
  mixHashes(hashText(p.namespace ?? ""), hashText(`${p.group}\u0000${p.resource}`), hashText(p.name));

type TypeParts = { group: string; version: string; resource: string };
function typeParts(type: string): TypeParts {
  const first = type.indexOf("/");
  const last = type.lastIndexOf("/");
  if (first < 0 || last === first) return { group: "", version: "", resource: type };
  return { group: type.slice(0, first), version: type.slice(first + 1, last), resource: type.slice(last + 1) };
}

/**
 * A reuse table's entries, read in place from its bytes (reuse-table-format.ts): each record's
 * offset, and an open-addressing table of the entries that can be reused, by the hash of their uid.
 */
export class TableEntries {
  readonly offsets: Uint32Array;
  /** Entry number + 1 by uid hash; 0: free. */
  private readonly slots: Int32Array;
  /** 1: the entry has a uid and resourceVersion, and the index held its blob when loaded. */
  private readonly present: Uint8Array;
  private readonly stringNumbers: Map<string, number>;
  private readonly types: TypeParts[];
  private readonly typePlaceHashes: number[];
  private readonly stringHashes: number[];
  readonly reusable: number;
  /** The blob ids blobOf made, by entry. */
  private readonly blobs: (string | undefined)[];

  private constructor(
    readonly data: Buffer,
    readonly key: string,
    readonly base: TableBase | undefined,
    readonly strings: readonly string[],
    readonly count: number,
    recordsAt: number,
    index: BlobIndex,
  ) {
    this.stringNumbers = new Map(strings.map((s, i) => [s, i]));
    this.types = strings.map(typeParts);
    this.typePlaceHashes = this.types.map((t) => hashText(`${t.group}\u0000${t.resource}`));
    this.stringHashes = strings.map(hashText);
    this.offsets = new Uint32Array(count + 1);
    this.present = new Uint8Array(count);
    this.blobs = new Array(count);
    let size = 16;
    while (size < count * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.reusable = this.walk(recordsAt, index);
  }

  /** The entries of a table's bytes, checked; TableFormatError naming what is wrong. */
  static read(data: Buffer, key: string, index: BlobIndex): TableEntries {
    if (data[0] === 0x7b) throw new TableFormatError("of version 2 (JSON)");
    const r = new ByteReader(data);
    if (data.toString("latin1", r.need(4, "its header"), 4) !== MAGIC) throw new TableFormatError("not a reuse table");
    const version = r.u32("its header");
    if (version !== VERSION) throw new TableFormatError(`of version ${version}, not ${VERSION}`);
    if (r.text(4, "its key") !== key) throw new TableFormatError("of another reuse key");
    const hasBase = r.u8("its base");
    if (hasBase > 1) throw new TableFormatError("its base flag is neither 0 nor 1");
    const base =
      hasBase === 1
        ? {
            snapshot: r.text(2, "its base"),
            tree: r.text(2, "its base"),
            depth: r.u32("its base"),
            patched: r.u32("its base"),
          }
        : undefined;
    const stringCount = r.u32("its strings");
    if (stringCount > data.length / 4) throw new TableFormatError("more strings than its bytes hold");
    const strings: string[] = [];
    for (let i = 0; i < stringCount; i++) strings.push(r.text(4, "its strings"));
    const count = r.u32("its entry count");
    if (count > MAX_ENTRIES) throw new TableFormatError(`${count} entries, more than ${MAX_ENTRIES}`);
    const recordsBytes = r.u32("its records' length");
    if (recordsBytes !== data.length - r.at) throw new TableFormatError("its records' length is not that of its bytes");
    if (count * MIN_RECORD > recordsBytes) throw new TableFormatError(`${count} entries cannot fit in its bytes`);
    return new TableEntries(data, key, base, strings, count, r.at, index);
  }

  /** Checks every record, notes its offset, and hashes the uids of those that can be reused. */
  private walk(from: number, index: BlobIndex): number {
    const { data, slots, offsets, present } = this;
    const strings = this.strings.length;
    const mask = slots.length - 1;
    const end = data.length;
    let reusable = 0;
    let at = from;
    for (let i = 0; i < this.count; i++) {
      if (at + MIN_RECORD > end) throw truncated(i);
      offsets[i] = at;
      for (let f = 0; f < 12; f += 4) {
        const n = data.readUInt32LE(at + f);
        if (n >= strings) throw new TableFormatError(`entry ${i} names string ${n} of ${strings}`);
      }
      const flags = data[at + 16] as number;
      if (flags > OWN_SHA256) throw new TableFormatError(`entry ${i} has flags ${flags}`);
      let p = at + FIXED + (flags === OWN_SHA256 ? 32 : 0);
      if (p + 10 > end) throw truncated(i);
      const uidAt = p + 2;
      const uid = data.readUInt16LE(p);
      p = uidAt + uid;
      if (p + 8 > end) throw truncated(i);
      const resourceVersion = data.readUInt16LE(p);
      p += 2 + resourceVersion;
      if (p + 6 > end) throw truncated(i);
      p += 2 + data.readUInt16LE(p);
      if (p + 4 > end) throw truncated(i);
      p += 4 + data.readUInt32LE(p);
      if (p > end) throw truncated(i);
      const blobAt = at + 17;
      at = p;
      if (uid === 0 || resourceVersion === 0 || !index.hasId(data, blobAt)) continue;
      present[i] = 1;
      reusable++;
      let slot = hashBytes(data, uidAt, uidAt + uid) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = i + 1;
    }
    offsets[this.count] = at;
    return reusable;
  }

  /** Where entry `i`'s uid starts (its u16 length just before). */
  private uidAt(i: number): number {
    const at = this.offsets[i] as number;
    return at + FIXED + 2 + (((this.data[at + 16] as number) & OWN_SHA256) === 0 ? 0 : 32);
  }

  private stringAt(at: number): string {
    return this.strings[this.data.readUInt32LE(at)] as string;
  }

  private shaAt(i: number): number {
    const at = this.offsets[i] as number;
    return (this.data[at + 16] as number) & OWN_SHA256 ? at + FIXED : at + 17;
  }

  /** The entry of this type, uid and resourceVersion whose blob the index held; -1 when none. */
  find(type: string, uid: string, resourceVersion: string): number {
    const typeNumber = this.stringNumbers.get(type);
    if (typeNumber === undefined || uid === "" || resourceVersion === "") return -1;
    const { data, slots } = this;
    const mask = slots.length - 1;
    for (let slot = hashText(uid) & mask; ; slot = (slot + 1) & mask) {
      const i = (slots[slot] as number) - 1;
      if (i < 0) return -1;
      const at = this.uidAt(i);
      const uidLength = data.readUInt16LE(at - 2);
      if (!textEquals(data, at, uidLength, uid) || data.readUInt32LE(this.offsets[i] as number) !== typeNumber)
        continue;
      const rvAt = at + uidLength + 2;
      if (textEquals(data, rvAt, data.readUInt16LE(rvAt - 2), resourceVersion)) return i;
    }
  }

  /** Entry `i`'s blob id; the same string each time (holds and same compare it by identity first). */
  blobOf(i: number): string {
    let blob = this.blobs[i];
    if (blob === undefined) {
      const at = (this.offsets[i] as number) + 17;
      blob = this.data.toString("hex", at, at + 32);
      this.blobs[i] = blob;
    }
    return blob;
  }

  private isBlobOf(i: number, blob: string): boolean {
    return this.blobs[i] === blob || idEquals(this.data, (this.offsets[i] as number) + 17, blob);
  }

  sha256Of(i: number, blob: string): string {
    const at = this.shaAt(i);
    return at === (this.offsets[i] as number) + 17 ? blob : this.data.toString("hex", at, at + 32);
  }

  bytesOf(i: number): number {
    return this.data.readUInt32LE((this.offsets[i] as number) + 12);
  }

  /** Whether entry `i` was found reusable at load and its blob is `blob`. */
  holds(i: number, blob: string): boolean {
    return i >= 0 && i < this.count && this.present[i] === 1 && this.isBlobOf(i, blob);
  }

  /** Whether entry `i` holds what an entry made from this record, resourceVersion and blob would. */
  same(i: number, record: EntryRecord, resourceVersion: string, blob: string): boolean {
    const { data } = this;
    const at = this.offsets[i] as number;
    const type = this.types[data.readUInt32LE(at)] as TypeParts;
    if (type.group !== record.group || type.version !== record.version || type.resource !== record.resource)
      return false;
    if (this.stringAt(at + 4) !== (record.namespace ?? "") || this.stringAt(at + 8) !== record.kind) return false;
    if (data.readUInt32LE(at + 12) !== record.bytes || !this.isBlobOf(i, blob)) return false;
    const own = ((data[at + 16] as number) & OWN_SHA256) !== 0;
    if (own ? !idEquals(data, at + FIXED, record.sha256) : record.sha256 !== blob) return false;
    const uidAt = this.uidAt(i);
    const uidLength = data.readUInt16LE(uidAt - 2);
    if (!textEquals(data, uidAt, uidLength, record.uid)) return false;
    const rvAt = uidAt + uidLength + 2;
    const rvLength = data.readUInt16LE(rvAt - 2);
    if (!textEquals(data, rvAt, rvLength, resourceVersion)) return false;
    const nameAt = rvAt + rvLength + 2;
    const nameEnd = nameAt + data.readUInt16LE(nameAt - 2);
    if (!textEquals(data, nameAt, nameEnd - nameAt, record.name)) return false;
    const ownersLength = data.readUInt32LE(nameEnd);
    const owners = record.ownerReferences;
    if (!owners?.length) return ownersLength === 0;
    return ownersLength > 0 && textEquals(data, nameEnd + 4, ownersLength, ownersTextOf(owners));
  }

  /** Entry `i` whole; undefined when its owner references are not a JSON array of objects. */
  entry(i: number): Entry | undefined {
    const { data } = this;
    const at = this.offsets[i] as number;
    const uidAt = this.uidAt(i);
    const uid = data.toString("utf8", uidAt, uidAt + data.readUInt16LE(uidAt - 2));
    const nameAt = this.nameAt(i);
    const nameEnd = nameAt + data.readUInt16LE(nameAt - 2);
    const name = data.toString("utf8", nameAt, nameEnd);
    const ownersLength = data.readUInt32LE(nameEnd);
    const owners =
      ownersLength === 0 ? undefined : parseOwners(data.toString("utf8", nameEnd + 4, nameEnd + 4 + ownersLength));
    if (owners === null) return undefined;
    const namespace = this.stringAt(at + 4);
    const blob = this.blobOf(i);
    return {
      ...(this.types[data.readUInt32LE(at)] as TypeParts),
      uid,
      blob,
      sha256: this.sha256Of(i, blob),
      bytes: this.bytesOf(i),
      ...(namespace === "" ? {} : { namespace }),
      name,
      kind: this.stringAt(at + 8),
      ...(owners ? { ownerReferences: owners } : {}),
    };
  }

  /** Where entry `i`'s name starts (its u16 length just before). */
  private nameAt(i: number): number {
    const { data } = this;
    let p = this.uidAt(i);
    p += data.readUInt16LE(p - 2) + 2;
    return p + data.readUInt16LE(p - 2) + 2;
  }

  /** placeHash of entry `i`'s place, with no string made. */
  placeHash(i: number): number {
    const { data } = this;
    const at = this.offsets[i] as number;
    const nameAt = this.nameAt(i);
    const name = hashBytes(data, nameAt, nameAt + data.readUInt16LE(nameAt - 2));
    const namespace = this.stringHashes[data.readUInt32LE(at + 4)] as number;
    return mixHashes(namespace, this.typePlaceHashes[data.readUInt32LE(at)] as number, name);
  }

  /** placeKey of entry `i`'s place. */
  placeKey(i: number): string {
    const { data } = this;
    const at = this.offsets[i] as number;
    const nameAt = this.nameAt(i);
    const name = data.toString("utf8", nameAt, nameAt + data.readUInt16LE(nameAt - 2));
    const { group, resource } = this.types[data.readUInt32LE(at)] as TypeParts;
    return placeKey({ namespace: this.stringAt(at + 4), group, resource, name });
  }
}

/** The canonical JSON of owner references, as a table keeps them (memoized for the last array). */
let lastOwners: { owners: readonly OwnerReference[]; text: string } | undefined;
export function ownersTextOf(owners: readonly OwnerReference[]): string {
  if (lastOwners?.owners !== owners) lastOwners = { owners, text: canonicalText(owners as never) };
  return lastOwners.text;
}

function parseOwners(text: string): OwnerReference[] | null {
  try {
    const owners = JSON.parse(text) as unknown;
    if (Array.isArray(owners) && owners.every((o) => typeof o === "object" && o !== null)) return owners;
    return null;
  } catch {
    return null;
  }
}
