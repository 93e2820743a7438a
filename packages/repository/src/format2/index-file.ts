import { createHash } from "node:crypto";
import { IntegrityError } from "../errors.js";
import { type Format2Keys, open, seal } from "./keys.js";
import { decodeEntries, ENTRY_BYTES, encodeEntry, knownEntryKind, type PackEntry } from "./pack-format.js";
import type { WrittenPack } from "./pack-writer.js";

/*
 * An index file (docs/format.md, "Index files") lists the packs one backup wrote:
 *
 *   index = "KDMPIDX2" | pack count (u32 BE) | pack ...      sealed as one box when encrypted
 *   pack  = id (32) | pack bytes (u32 BE) | entry count (u32 BE) | entry ... (as in a pack header)
 */

const MAGIC = Buffer.from("KDMPIDX2");
const PACK_HEAD_BYTES = 32 + 4 + 4;
/** The largest index file read: room for about 10M blobs. @defaultValue 512 MiB */
export const MAX_INDEX_FILE_BYTES = 512 * 1024 * 1024;

/** The stored bytes of an index file listing `packs`, and its id (their sha256). */
export function encodeIndexFile(keys: Format2Keys | null, packs: readonly WrittenPack[]): { id: string; data: Buffer } {
  const entryBytes = (p: WrittenPack) => p.entryBytes?.length ?? p.entries.length * ENTRY_BYTES;
  const size = packs.reduce((sum, p) => sum + PACK_HEAD_BYTES + entryBytes(p), 12);
  const plain = Buffer.alloc(size);
  MAGIC.copy(plain, 0);
  plain.writeUInt32BE(packs.length, 8);
  let at = 12;
  for (const pack of packs) {
    plain.write(pack.id, at, 32, "hex");
    plain.writeUInt32BE(pack.bytes, at + 32);
    plain.writeUInt32BE(entryBytes(pack) / ENTRY_BYTES, at + 36);
    at += PACK_HEAD_BYTES;
    if (pack.entryBytes) {
      at += pack.entryBytes.copy(plain, at); // the pack header's entries, as its writer encoded them
      continue;
    }
    for (const entry of pack.entries) {
      encodeEntry(entry, plain, at); // the bytes of a pack header entry
      at += ENTRY_BYTES;
    }
  }
  const data = keys === null ? plain : seal(keys, plain, MAGIC);
  return { id: createHash("sha256").update(data).digest("hex"), data };
}

/**
 * The packs an index file lists; IntegrityError naming `key` when its bytes are not an index file's.
 * Each pack's entries are kept as their bytes (each one's type and compression checked), decoded
 * into objects only when asked for: addPacks adds them to a BlobIndex from the bytes (listedEntryBytes).
 */
export function decodeIndexFile(keys: Format2Keys | null, key: string, data: Buffer): WrittenPack[] {
  const fail = (problem: string) => new IntegrityError(key, `index file: ${problem}`);
  const plain = keys === null ? data : open(keys, data, MAGIC);
  if (plain === undefined) throw fail("cannot decrypt: authentication failed");
  if (plain.length < 12 || !plain.subarray(0, 8).equals(MAGIC)) throw fail("no KDMPIDX2 magic");
  const count = plain.readUInt32BE(8);
  const packs: WrittenPack[] = [];
  let at = 12;
  for (let p = 0; p < count; p++) {
    if (at + PACK_HEAD_BYTES > plain.length) throw fail(`truncated in pack ${p}`);
    const entryCount = plain.readUInt32BE(at + 36);
    const end = at + PACK_HEAD_BYTES + entryCount * ENTRY_BYTES;
    if (end > plain.length) throw fail(`pack ${p} lists ${entryCount} entries, more than the file holds`);
    const id = plain.toString("hex", at, at + 32);
    for (let e = at + PACK_HEAD_BYTES, n = 0; e < end; e += ENTRY_BYTES, n++)
      if (!knownEntryKind(plain, e)) throw fail(`pack ${id}: entry ${n} has an unknown type`);
    packs.push(listedPack(id, plain.readUInt32BE(at + 32), plain.subarray(at + PACK_HEAD_BYTES, end)));
    at = end;
  }
  if (at !== plain.length) throw fail(`${plain.length - at} bytes after the last pack`);
  return packs;
}

/** The entry bytes of packs decodeIndexFile gave whose entries no one has asked for yet (listedEntryBytes). */
const UNDECODED = new WeakMap<WrittenPack, Buffer>();

/** A pack as an index file lists it, its entries decoded from `entryBytes` when first asked for. */
function listedPack(id: string, bytes: number, entryBytes: Buffer): WrittenPack {
  let entries: PackEntry[] | undefined;
  const pack: WrittenPack = {
    id,
    bytes,
    get entries(): PackEntry[] {
      UNDECODED.delete(pack); // the objects may be changed from now on: they are the pack's entries
      entries ??= decodeEntries(entryBytes);
      return entries;
    },
  };
  UNDECODED.set(pack, entryBytes);
  return pack;
}

/**
 * The entries of `pack`, one decodeIndexFile gave, as the index file's bytes (checked as it
 * checks them), while its `entries` have never been asked for; undefined otherwise (a copy, or a
 * pack whose entry objects someone may have changed).
 */
export function listedEntryBytes(pack: WrittenPack): Buffer | undefined {
  return UNDECODED.get(pack);
}
