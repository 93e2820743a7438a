import { canonicalText, compareNames, sortByName } from "./canonical-json.js";
import type { SnapshotManifestV2 } from "./manifest.js";
import type { CachedBase, Entry, EntryObject } from "./reuse-table.js";
import { type ObjectRecord, PATCH_MAX_SHARE, treeObject, treeObjectText } from "./tree-builder.js";
import { compareScopedTypes, MAX_PATCH_DEPTH, type PatchNode, type PatchType } from "./tree-nodes.js";

/** How a snapshot's tree is stored, decided from its changes against the base (BaseChanges.patchFor). */
export type ChangesPatch =
  | { kind: "same" } // the base's tree
  | { kind: "patch"; node: PatchNode; changes: number }
  | { kind: "whole" }; // too many changes, or the base too deep: every node

type Place = { namespace?: string; group: string; resource: string; name: string };
const placeOf = (p: Place) => `${p.namespace ?? ""}\u0000${p.group}\u0000${p.resource}\u0000${p.name}`;

/** An entry's group, version and resource, from its `group/version/resource` type. */
function typeOf(entry: Entry): { group: string; version: string; resource: string } {
  const [type] = entry;
  const first = type.indexOf("/");
  const last = type.lastIndexOf("/");
  return { group: type.slice(0, first), version: type.slice(first + 1, last), resource: type.slice(last + 1) };
}

function entryPlace(entry: Entry): Place {
  const namespace = entry[6] === "" ? undefined : entry[6];
  return { ...typeOf(entry), name: entry[7], ...(namespace === undefined ? {} : { namespace }) };
}

/** The tree entry an entry of the table stands for (as tree-builder's treeObject makes it). */
function entryText(entry: Entry): string {
  const [, uid, , blob, sha256, bytes, , name, kind, owners] = entry;
  const record = { name, version: typeOf(entry).version, kind, uid, sha256: sha256 || blob, bytes };
  return treeObjectText(treeObject(owners ? { ...record, ownerReferences: owners } : record, blob));
}

const ownersText = (owners: EntryObject["ownerReferences"]) => (owners?.length ? canonicalText(owners as never) : "");

/**
 * The objects of a snapshot being written, against those of the base snapshot its reuse table
 * was saved for (ReuseTable.base): objects found unchanged are only marked (`reused`), the others
 * kept (`added`), so that the tree patch is made from the changes alone, with no base tree read
 * (docs/format.md, "Reuse table"). It gives the patch TreeBuilder.build would give with that base.
 */
export class BaseChanges {
  private readonly seen: Uint8Array;
  private readonly added: { record: ObjectRecord; blob: string }[] = [];
  /** An object given twice: the writer's own path finds and names it. */
  private twice = false;

  constructor(readonly base: CachedBase) {
    this.seen = new Uint8Array(base.entries.length);
  }

  /**
   * An unchanged object, found as `entry` of the table: marked when the entry holds the same tree
   * entry (type, uid, resourceVersion, place, kind, owners); else kept as changed.
   */
  reused(entry: number, record: ObjectRecord, resourceVersion: string, blob: string): Entry | undefined {
    const found = this.base.entries[entry];
    if (found && this.seen[entry] === 0 && this.same(found, record, resourceVersion, blob)) {
      this.seen[entry] = 1;
      return found;
    }
    if (found && this.seen[entry] === 1) this.twice = true;
    this.add(record, blob);
    return undefined;
  }

  private same(entry: Entry, record: ObjectRecord, resourceVersion: string, blob: string): boolean {
    const [type, uid, version, stored, sha256, bytes, namespace, name, kind, owners] = entry;
    return (
      type === `${record.group}/${record.version}/${record.resource}` &&
      uid === record.uid &&
      version === resourceVersion &&
      stored === blob &&
      (sha256 || stored) === record.sha256 &&
      bytes === record.bytes &&
      namespace === (record.namespace ?? "") &&
      name === record.name &&
      kind === record.kind &&
      ownersText(owners ?? undefined) === ownersText(record.ownerReferences)
    );
  }

  /** An object not found unchanged: read and stored, or reused without its entry. */
  add(record: ObjectRecord, blob: string): void {
    this.added.push({ record, blob });
  }

  /**
   * How to store the tree of the snapshot being written, of `objects` objects, with `manifest`
   * its base: undefined when the table's snapshot is not that base (or an object came twice),
   * and the writer reads the base instead.
   */
  patchFor(manifest: SnapshotManifestV2, objects: number): ChangesPatch | undefined {
    const { base } = this;
    const { entries } = base;
    if (this.twice || manifest.id !== base.snapshot || manifest.tree !== base.tree) return undefined;
    if (manifest.objects !== entries.length) return undefined;
    if (base.depth >= MAX_PATCH_DEPTH) return { kind: "whole" };
    const places = new Map<string, number>();
    const gone = new Map<string, number>();
    const typePlaces = new Map<string, string>(); // `group/version/resource` → group and resource, as placeOf has them
    const all = this.added.length > 0;
    for (let i = 0; i < entries.length; i++) {
      if (!all && this.seen[i] === 1) continue;
      const entry = entries[i] as Entry;
      let typePlace = typePlaces.get(entry[0]);
      if (typePlace === undefined) {
        const { group, resource } = typeOf(entry);
        typePlace = `${group}\u0000${resource}`;
        typePlaces.set(entry[0], typePlace);
      }
      const place = `${entry[6]}\u0000${typePlace}\u0000${entry[7]}`;
      if (all) places.set(place, i);
      if (this.seen[i] === 0) gone.set(place, i);
    }
    const types = new Map<string, PatchType>();
    const typeAt = ({ namespace, group, resource }: Place): PatchType => {
      const key = `${namespace ?? ""}\u0000${group}\u0000${resource}`;
      let type = types.get(key);
      if (!type) {
        type = { group, resource, set: [], remove: [] };
        if (namespace !== undefined) type.namespace = namespace;
        types.set(key, type);
      }
      return type;
    };
    const added = new Set<string>();
    for (const { record, blob } of this.added) {
      const place = placeOf(record);
      const at = places.get(place);
      if (added.has(place) || (at !== undefined && this.seen[at] === 1)) return undefined; // given twice
      added.add(place);
      const object = treeObject(record, blob);
      if (at !== undefined) {
        gone.delete(place);
        if (entryText(entries[at] as Entry) === treeObjectText(object)) continue;
      }
      typeAt(record).set.push(object);
    }
    for (const at of gone.values()) {
      const place = entryPlace(entries[at] as Entry);
      typeAt(place).remove.push(place.name);
    }
    let changes = 0;
    for (const type of types.values()) {
      sortByName(type.set, (o) => o.name);
      type.remove.sort(compareNames);
      changes += type.set.length + type.remove.length;
    }
    if (changes * PATCH_MAX_SHARE > objects || base.patched + changes > objects) return { kind: "whole" };
    if (changes === 0) return { kind: "same" };
    const sorted = [...types.values()].sort(compareScopedTypes);
    return {
      kind: "patch",
      node: { kind: "patch", base: base.tree, depth: base.depth + 1, objects, types: sorted },
      changes,
    };
  }
}
