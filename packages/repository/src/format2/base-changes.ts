import { compareNames, sortByName } from "./canonical-json.js";
import type { SnapshotManifestV2 } from "./manifest.js";
import type { Entry, TableBase } from "./reuse-table.js";
import { type Place, placeHash, placeKey, type TableEntries } from "./reuse-table-entries.js";
import { type ObjectRecord, PATCH_MAX_SHARE, treeObject, treeObjectText } from "./tree-builder.js";
import { compareScopedTypes, MAX_PATCH_DEPTH, type PatchNode, type PatchType } from "./tree-nodes.js";

/** How a snapshot's tree is stored, decided from its changes against the base (BaseChanges.patchFor). */
export type ChangesPatch =
  | { kind: "same" } // the base's tree
  | { kind: "patch"; node: PatchNode; changes: number }
  | { kind: "whole" }; // too many changes, or the base too deep: every node

/** The tree entry an entry of the table stands for (as tree-builder's treeObject makes it). */
const entryText = (entry: Entry) => treeObjectText(treeObject(entry, entry.blob));

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

  constructor(
    readonly base: TableBase,
    private readonly entries: TableEntries,
  ) {
    this.seen = new Uint8Array(entries.count);
  }

  /**
   * An unchanged object, found as `entry` of the table: marked (true) when the entry holds the
   * same tree entry (type, uid, resourceVersion, place, kind, owners); else kept as changed.
   */
  reused(entry: number, record: ObjectRecord, resourceVersion: string, blob: string): boolean {
    const found = entry >= 0 && entry < this.entries.count;
    if (found && this.seen[entry] === 0 && this.entries.same(entry, record, resourceVersion, blob)) {
      this.seen[entry] = 1;
      return true;
    }
    if (found && this.seen[entry] === 1) this.twice = true;
    this.add(record, blob);
    return false;
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
    const { base, entries, seen } = this;
    if (this.twice || manifest.id !== base.snapshot || manifest.tree !== base.tree) return undefined;
    if (manifest.objects !== entries.count) return undefined;
    if (base.depth >= MAX_PATCH_DEPTH) return { kind: "whole" };
    const gone = new Map<string, number>(); // the places of the entries nobody marked
    for (let i = 0; i < entries.count; i++) if (seen[i] === 0) gone.set(entries.placeKey(i), i);
    const added = new Set<string>();
    for (const { record } of this.added) {
      const place = placeKey(record);
      if (added.has(place)) return undefined; // given twice
      added.add(place);
    }
    if (this.added.length > 0 && this.atMarkedPlace(added)) return undefined; // given twice
    const types = new Map<string, PatchType>();
    for (const { record, blob } of this.added) {
      const place = placeKey(record);
      const object = treeObject(record, blob);
      const at = gone.get(place);
      if (at !== undefined) {
        gone.delete(place);
        const entry = entries.entry(at);
        if (entry === undefined) return undefined;
        if (entryText(entry) === treeObjectText(object)) continue;
      }
      typeAt(types, record).set.push(object);
    }
    for (const at of gone.values()) {
      const entry = entries.entry(at);
      if (entry === undefined) return undefined;
      typeAt(types, entry).remove.push(entry.name);
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

  /** Whether an object added at one of `places` is also at the place of an entry found unchanged. */
  private atMarkedPlace(places: ReadonlySet<string>): boolean {
    const { entries, seen } = this;
    const hashes = new Set<number>();
    for (const { record } of this.added) hashes.add(placeHash(record));
    for (let i = 0; i < entries.count; i++)
      if (seen[i] === 1 && hashes.has(entries.placeHash(i)) && places.has(entries.placeKey(i))) return true;
    return false;
  }
}

/** The patch's type of `place`, made when it has none yet. */
function typeAt(types: Map<string, PatchType>, place: Place): PatchType {
  const { namespace, group, resource } = place;
  const key = `${namespace ?? ""}\u0000${group}\u0000${resource}`;
  let type = types.get(key);
  if (!type) {
    type = { group, resource, set: [], remove: [] };
    if (namespace !== undefined) type.namespace = namespace;
    types.set(key, type);
  }
  return type;
}
