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

/** Reads a protobuf PartialObjectMetadataList page. */
export function readMetadataPage(body: Buffer): MetadataPage {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b))
    throw new MetadataDecodeError("metadata list: the answer is not Kubernetes protobuf (no k8s\\0 prefix)");
  let raw: [number, number] | undefined;
  for (const f of fields(body, 4, body.length)) if (f.no === 2 && f.wire === 2) raw = [f.start, f.end];
  if (!raw) throw new MetadataDecodeError("metadata list: the protobuf envelope holds no message");
  const page: MetadataPage = { items: [] };
  for (const f of fields(body, raw[0], raw[1])) {
    if (f.wire !== 2) continue;
    if (f.no === 1) {
      for (const m of fields(body, f.start, f.end)) {
        if (m.wire !== 2) continue;
        if (m.no === 2) page.resourceVersion = body.toString("utf8", m.start, m.end);
        else if (m.no === 3) page.continue = body.toString("utf8", m.start, m.end);
      }
    } else if (f.no === 2) {
      for (const p of fields(body, f.start, f.end))
        if (p.no === 1 && p.wire === 2) page.items.push(objectMetaOf(body, p.start, p.end));
    }
  }
  return page;
}

const text = (body: Buffer, f: Field) => body.toString("utf8", f.start, f.end);

function objectMetaOf(body: Buffer, start: number, end: number): ObjectMeta {
  const meta: ObjectMeta = { name: "" };
  const labels: Record<string, string> = {};
  const owners: OwnerReference[] = [];
  for (const f of fields(body, start, end)) {
    if (f.wire !== 2) continue;
    if (f.no === 1) meta.name = text(body, f);
    else if (f.no === 3 && f.end > f.start) meta.namespace = text(body, f);
    else if (f.no === 5) meta.uid = text(body, f);
    else if (f.no === 6) meta.resourceVersion = text(body, f);
    else if (f.no === 11) {
      let key = "";
      let value = "";
      for (const e of fields(body, f.start, f.end))
        if (e.wire === 2 && e.no === 1) key = text(body, e);
        else if (e.wire === 2 && e.no === 2) value = text(body, e);
      labels[key] = value;
    } else if (f.no === 13) owners.push(ownerOf(body, f.start, f.end));
  }
  if (Object.keys(labels).length > 0) meta.labels = labels;
  if (owners.length > 0) meta.ownerReferences = owners;
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
  for (const f of fields(body, start, end)) {
    if (f.wire === 2 && f.no === 5) apiVersion = text(body, f);
    else if (f.wire === 2 && f.no === 1) kind = text(body, f);
    else if (f.wire === 2 && f.no === 3) name = text(body, f);
    else if (f.wire === 2 && f.no === 4) uid = text(body, f);
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

interface Field {
  no: number;
  wire: number;
  /** The value's bytes for a length-delimited field (wire type 2); empty otherwise. */
  start: number;
  end: number;
  /** A varint field's value (wire type 0). */
  value: number;
}

/** The fields of the message in body[start, end). */
function* fields(body: Buffer, start: number, end: number): Generator<Field> {
  let i = start;
  while (i < end) {
    const [tag, afterTag] = varint(body, i, end);
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    i = afterTag;
    if (wire === 0) {
      const [value, at] = varint(body, i, end);
      i = at;
      yield { no, wire, start: i, end: i, value };
    } else if (wire === 2) {
      const [length, at] = varint(body, i, end);
      if (at + length > end) throw new MetadataDecodeError("metadata list: a protobuf field runs past its message");
      i = at + length;
      yield { no, wire, start: at, end: i, value: length };
    } else if (wire === 1 || wire === 5) {
      i += wire === 1 ? 8 : 4;
      if (i > end) throw new MetadataDecodeError("metadata list: a protobuf field runs past its message");
      yield { no, wire, start: i, end: i, value: 0 };
    } else throw new MetadataDecodeError(`metadata list: protobuf wire type ${wire} is not expected`);
  }
}

/** A varint at `i` and the index after it. */
function varint(body: Buffer, i: number, end: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let n = 0; n < 10; n++) {
    if (i >= end) break;
    const b = body[i++] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, i];
    scale *= 128;
  }
  throw new MetadataDecodeError("metadata list: a protobuf varint is cut off");
}
