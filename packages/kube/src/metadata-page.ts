/**
 * A page of `PartialObjectMetadataList` in Kubernetes' protobuf encoding, read just far enough for
 * each item's identity. Field numbers from k8s.io/apimachinery's generated.proto (meta/v1 and
 * runtime): the body is the 4 bytes `k8s\0`, then a runtime.Unknown whose field 2 is the raw
 * list; PartialObjectMetadataList {1: ListMeta {2: resourceVersion, 3: continue}, 2: repeated
 * PartialObjectMetadata {1: ObjectMeta {1: name, 3: namespace, 5: uid, 6: resourceVersion,
 * 11: labels (map entries {1: key, 2: value}), 13: ownerReferences {5: apiVersion, 1: kind,
 * 3: name, 4: uid, 6: controller, 7: blockOwnerDeletion}}}}. Everything else is skipped by its
 * wire type, so fields added later do no harm.
 */
import type { ObjectMeta, OwnerReference } from "./resources.js";

/** The Accept header that asks for this encoding; JSON is not offered, so a server that cannot serve it answers 406. */
export const METADATA_PROTOBUF_ACCEPT =
  "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/** A page of a metadata listing: each item's identity, labels and owners, as JSON would have them. */
export interface MetadataPage {
  continue?: string;
  resourceVersion?: string;
  items: ObjectMeta[];
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** Thrown for a body that is not the protobuf this reader expects: callers fall back to a full list. */
export class MetadataDecodeError extends Error {
  override name = "MetadataDecodeError";
}

/**
 * Which labels readMetadataPage reads of each item: every label, or only those of the keys given
 * (their UTF-8 bytes, LabelKeys.of). Labels are most of an item's bytes, read only to be matched
 * by label filters: a reader that matches by a few keys reads those (docs/benchmarks.md, "Session
 * 2026-12-07 (seventeenth)").
 */
export class LabelKeys {
  private constructor(readonly keys: readonly Buffer[] | undefined) {}

  static readonly ALL = new LabelKeys(undefined);

  /** Only the labels of these keys. */
  static of(keys: Iterable<string>): LabelKeys {
    return new LabelKeys([...new Set(keys)].map((k) => Buffer.from(k, "utf8")));
  }

  /** Whether the key in body[start, end) is one of the keys (or every key is read). */
  has(body: Buffer, start: number, end: number): boolean {
    const { keys } = this;
    if (keys === undefined) return true;
    const n = end - start;
    for (const key of keys) if (key.length === n && body.compare(key, 0, n, start, end) === 0) return true;
    return false;
  }
}

/** Reads a protobuf PartialObjectMetadataList page; of each item's labels, those `labels` names. */
export function readMetadataPage(body: Buffer, labels: LabelKeys = LabelKeys.ALL): MetadataPage {
  const [start, end] = listOf(body);
  const page: MetadataPage = { items: [] };
  try {
    for (const f = new Fields(body, start, end); f.next(); ) {
      if (f.wire !== 2) continue;
      if (f.no === 1) Object.assign(page, listMetaOf(body, f.start, f.end));
      else if (f.no === 2) {
        for (const p = new Fields(body, f.start, f.end); p.next(); )
          if (p.no === 1 && p.wire === 2) page.items.push(objectMetaOf(body, p.start, p.end, labels));
      }
    }
  } finally {
    // the shared readers let go of the page, which is not kept alive until the next one
    for (const reader of [metaFields, entryFields, ownerFields]) reader.over(NO_BYTES, 0, 0);
  }
  return page;
}

/**
 * The continue token of a PartialObjectMetadataList page alone, without its items: the list's
 * metadata comes first (Go writes fields in order), so this reads a few bytes of a page.
 */
export function metadataContinueOf(body: Buffer): string | undefined {
  const [start, end] = listOf(body);
  for (const f = new Fields(body, start, end); f.next(); )
    if (f.no === 1 && f.wire === 2) return listMetaOf(body, f.start, f.end).continue;
  return undefined;
}

/** Where the envelope of `body` holds the list message. */
function listOf(body: Buffer): [number, number] {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b))
    throw new MetadataDecodeError("metadata list: the answer is not Kubernetes protobuf (no k8s\\0 prefix)");
  let raw: [number, number] | undefined;
  for (const f = new Fields(body, 4, body.length); f.next(); ) if (f.no === 2 && f.wire === 2) raw = [f.start, f.end];
  if (!raw) throw new MetadataDecodeError("metadata list: the protobuf envelope holds no message");
  return raw;
}

/** A ListMeta's resourceVersion and continue token. */
function listMetaOf(body: Buffer, start: number, end: number): Pick<MetadataPage, "continue" | "resourceVersion"> {
  const meta: Pick<MetadataPage, "continue" | "resourceVersion"> = {};
  for (const m = new Fields(body, start, end); m.next(); ) {
    if (m.wire !== 2) continue;
    if (m.no === 2) meta.resourceVersion = m.text();
    else if (m.no === 3) meta.continue = m.text();
  }
  return meta;
}

function objectMetaOf(body: Buffer, start: number, end: number, wanted: LabelKeys): ObjectMeta {
  const meta: ObjectMeta = { name: "" };
  let labels: Record<string, string> | undefined;
  let owners: OwnerReference[] | undefined;
  for (const f = metaFields.over(body, start, end); f.next(); ) {
    if (f.wire !== 2) continue;
    if (f.no === 1) meta.name = f.text();
    else if (f.no === 3 && f.end > f.start) meta.namespace = f.short();
    else if (f.no === 5) meta.uid = f.text();
    else if (f.no === 6) meta.resourceVersion = f.text();
    else if (f.no === 11) {
      let key = "";
      let value = "";
      let read = true;
      for (const e = entryFields.over(body, f.start, f.end); read && e.next(); )
        if (e.wire === 2 && e.no === 1) {
          read = wanted.has(body, e.start, e.end);
          if (read) key = e.short();
        } else if (e.wire === 2 && e.no === 2) value = e.short();
      if (!read) continue;
      labels ??= {};
      labels[key] = value;
    } else if (f.no === 13) {
      owners ??= [];
      owners.push(ownerOf(body, f.start, f.end));
    }
  }
  if (labels) meta.labels = labels;
  if (owners) meta.ownerReferences = owners;
  return meta;
}

/** An owner reference with its members in the order of the JSON encoding (Go's struct order). */
function ownerOf(body: Buffer, start: number, end: number): OwnerReference {
  let apiVersion = "";
  let kind = "";
  let name = "";
  let uid = "";
  let controller: boolean | undefined;
  let blockOwnerDeletion: boolean | undefined;
  for (const f = ownerFields.over(body, start, end); f.next(); ) {
    if (f.wire === 2 && f.no === 5) apiVersion = f.short();
    else if (f.wire === 2 && f.no === 1) kind = f.short();
    else if (f.wire === 2 && f.no === 3) name = f.text();
    else if (f.wire === 2 && f.no === 4) uid = f.text();
    else if (f.wire === 0 && f.no === 6) controller = f.value !== 0;
    else if (f.wire === 0 && f.no === 7) blockOwnerDeletion = f.value !== 0;
  }
  return {
    apiVersion,
    kind,
    name,
    uid,
    ...(controller === undefined ? {} : { controller }),
    ...(blockOwnerDeletion === undefined ? {} : { blockOwnerDeletion }),
  };
}

/**
 * The fields of the message in body[start, end), one at a time: `next()` moves to the next field
 * and sets its number, wire type, and bytes (a length-delimited field's, wire type 2; empty
 * otherwise) or value (a varint's, wire type 0). One reader per message, no object per field;
 * `over` sets a reader to another message, so each item's, label's and owner's message is read
 * by the same three (metaFields, entryFields, ownerFields) instead of a reader each.
 */
class Fields {
  no = 0;
  wire = 0;
  start = 0;
  end = 0;
  value = 0;
  private at: number;

  constructor(
    private body: Buffer,
    start: number,
    private limit: number,
  ) {
    this.at = start;
  }

  /** This reader, at the start of the message in body[start, limit). */
  over(body: Buffer, start: number, limit: number): this {
    this.body = body;
    this.at = start;
    this.limit = limit;
    return this;
  }

  next(): boolean {
    if (this.at >= this.limit) return false;
    const tag = this.varint();
    const wire = tag % 8;
    this.no = Math.floor(tag / 8);
    this.wire = wire;
    if (wire === 0) {
      this.value = this.varint();
      this.start = this.end = this.at;
    } else if (wire === 2) {
      const length = this.varint();
      if (this.at + length > this.limit)
        throw new MetadataDecodeError("metadata list: a protobuf field runs past its message");
      this.start = this.at;
      this.at += length;
      this.end = this.at;
      this.value = length;
    } else if (wire === 1 || wire === 5) {
      this.at += wire === 1 ? 8 : 4;
      if (this.at > this.limit) throw new MetadataDecodeError("metadata list: a protobuf field runs past its message");
      this.start = this.end = this.at;
      this.value = 0;
    } else throw new MetadataDecodeError(`metadata list: protobuf wire type ${wire} is not expected`);
    return true;
  }

  /** The field's bytes as UTF-8. */
  text(): string {
    return this.body.toString("utf8", this.start, this.end);
  }

  /** text() for a field whose value repeats from item to item: the string made for the same bytes before, if kept. */
  short(): string {
    return shortText(this.body, this.start, this.end) ?? this.text();
  }

  /** A varint at the reader's place, which moves past it. */
  private varint(): number {
    const { body, limit } = this;
    let value = 0;
    let scale = 1;
    for (let n = 0; n < 10 && this.at < limit; n++) {
      const b = body[this.at++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new MetadataDecodeError("metadata list: a protobuf varint is cut off");
  }
}

// Readers of an item's ObjectMeta, of its label entries and of its owner references: the items of a
// page are read one after another, and a label or owner inside one, never two of a kind at once.
const NO_BYTES = Buffer.alloc(0);
const metaFields = new Fields(NO_BYTES, 0, 0);
const entryFields = new Fields(NO_BYTES, 0, 0);
const ownerFields = new Fields(NO_BYTES, 0, 0);

/** Strings shortText keeps: a power of two. */
const SHORT_SLOTS = 4096;
/** Longer fields are made afresh: few repeat, and comparing them costs more. */
const SHORT_MAX_BYTES = 64;
const shortSlots: (string | undefined)[] = new Array(SHORT_SLOTS).fill(undefined);

/**
 * The ASCII string of body[start, end): the one made for the same bytes before when its slot (by
 * the bytes' FNV-1a hash) still holds it, else a new one, kept in that slot. Undefined for bytes
 * that are not ASCII or longer than SHORT_MAX_BYTES. Label keys and values, namespaces and owners'
 * kinds repeat across a listing's items: the bench's 100,000 objects made 1.3 million such strings
 * in a second backup, of about a thousand distinct ones (docs/benchmarks.md, "Session 2026-12-06
 * (sixteenth)").
 */
export function shortText(body: Buffer, start: number, end: number): string | undefined {
  const n = end - start;
  if (n > SHORT_MAX_BYTES) return undefined;
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const b = body[i] as number;
    if (b >= 0x80) return undefined;
    hash = Math.imul(hash ^ b, 0x01000193);
  }
  const slot = (hash >>> 0) & (SHORT_SLOTS - 1);
  const kept = shortSlots[slot];
  if (kept !== undefined && kept.length === n && sameAscii(kept, body, start)) return kept;
  const made = body.toString("latin1", start, end);
  shortSlots[slot] = made;
  return made;
}

function sameAscii(text: string, body: Buffer, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== body[start + i]) return false;
  return true;
}
