import type { JournalReader, ObjectRef } from "@kubedump/repository/journal";
import { nameKey } from "./object-change.js";
import { ObjectTable } from "./object-table.js";

/** What the journal (with its anchor snapshot) held when recording (re)starts. */
export interface JournalBase {
  /** By resource type (`resource[.group]`), objects by `namespace/name`: uid and blob id only. */
  types: Map<string, ObjectTable>;
  /** The last moment the journal is sure of: its latest record or its anchor's start; undefined: nothing recorded yet. */
  sureUntil?: number;
}

/** `resource[.group]`, as ResourceType.key. */
const typeKeyOf = (group: string, resource: string) => (group ? `${resource}.${group}` : resource);

/** Rows a type's places have room for at first; they double as its table grows. */
const INITIAL_ROWS = 64;

/** A deletion kept until every change is seen: whether it removes its object depends on the last change before it. */
interface Deletion {
  key: string;
  uid: string;
  time: number;
  segment: number;
  index: number;
}

/**
 * One type's objects replayed from changes seen in any order: per row of its table, the place
 * (time, segment, index; see JournalReader.eachChange) of the change that set it, so a change
 * placed earlier than the held one is dropped. Deletions are kept aside (those placed after the
 * held change so far) and applied at the end: stateAt's replay in place order removes an object
 * exactly when some deletion placed after its last setting change has a matching uid (equal, or
 * either ""); the ones after that first deletion find nothing to remove.
 */
class TypeReplay {
  readonly table = new ObjectTable();
  private times = new Float64Array(INITIAL_ROWS);
  private segments = new Int32Array(INITIAL_ROWS);
  private indexes = new Uint32Array(INITIAL_ROWS);
  private readonly deletions: Deletion[] = [];

  /** The anchor's objects come first, in the tree's order: time -∞, segment -1. */
  set(key: string, uid: string, blob: string, time: number, segment: number, index: number): void {
    const held = this.table.rowOf(key);
    if (held >= 0 && !this.placedAfter(held, time, segment, index)) return;
    const row = this.table.set(key, { uid, blob, pass: 0 });
    if (row >= this.times.length) this.grow(row + 1);
    this.times[row] = time;
    this.segments[row] = segment;
    this.indexes[row] = index;
  }

  delete(key: string, uid: string, time: number, segment: number, index: number): void {
    const held = this.table.rowOf(key);
    // The held change only moves later: a deletion placed before it now stays before it.
    if (held >= 0 && !this.placedAfter(held, time, segment, index)) return;
    this.deletions.push({ key, uid, time, segment, index });
  }

  /** The table once every change is seen. */
  finish(): ObjectTable {
    for (const { key, uid, time, segment, index } of this.deletions) {
      const row = this.table.rowOf(key);
      if (row < 0 || !this.placedAfter(row, time, segment, index)) continue;
      const heldUid = this.table.get(key)?.uid ?? "";
      if (heldUid === "" || uid === "" || heldUid === uid) this.table.delete(key);
    }
    this.deletions.length = 0;
    return this.table;
  }

  /** Whether (time, segment, index) comes after the place of the change `row` holds. */
  private placedAfter(row: number, time: number, segment: number, index: number): boolean {
    const [t, s] = [this.times[row] as number, this.segments[row] as number];
    return time > t || (time === t && (segment > s || (segment === s && index > (this.indexes[row] as number))));
  }

  private grow(atLeast: number): void {
    let rows = this.times.length * 2;
    while (rows < atLeast) rows *= 2;
    const times = new Float64Array(rows);
    times.set(this.times);
    const segments = new Int32Array(rows);
    segments.set(this.segments);
    const indexes = new Uint32Array(rows);
    indexes.set(this.indexes);
    [this.times, this.segments, this.indexes] = [times, segments, indexes];
  }
}

/**
 * The state at `now` (what stateAt gives: the latest anchor snapshot plus the changes after it)
 * reduced to what the recorder keeps, and the time the journal ends. The changes are replayed
 * segment after segment straight into the object tables (JournalReader.eachChange), so neither
 * the journal's records nor a full ref per object are ever held: memory grows with the objects
 * and the deletions, not with the journal's length. A scope never recorded nor snapshotted has an
 * empty base and no such time.
 */
export async function loadJournalBase(reader: JournalReader, now: number): Promise<JournalBase> {
  const segments = await reader.listSegments();
  const anchor = await reader.anchorAt(now);
  const replays = new Map<string, TypeReplay>();
  const replayOf = (ref: ObjectRef) => {
    const key = typeKeyOf(ref.group, ref.resource);
    const replay = replays.get(key) ?? new TypeReplay();
    replays.set(key, replay);
    return replay;
  };
  if (anchor) {
    let index = 0;
    await reader.eachAnchorObject(anchor, (ref, blob) =>
      replayOf(ref).set(nameKey(ref.name, ref.namespace), ref.uid, blob, -Infinity, -1, index++),
    );
  }
  await reader.eachChange({ from: anchor?.time, to: now }, ({ kind, ref, blob, time }, segment, index) => {
    const key = nameKey(ref.name, ref.namespace);
    if (kind !== "deleted" && blob !== undefined) replayOf(ref).set(key, ref.uid, blob, time, segment, index);
    else if (kind === "deleted") replayOf(ref).delete(key, ref.uid, time, segment, index);
  });
  const types = new Map<string, ObjectTable>();
  for (const [key, replay] of replays) {
    const table = replay.finish();
    if (table.size > 0) types.set(key, table); // a type whose objects are all gone has none, as in stateAt's state
  }
  const ends = segments.map((s) => s.end);
  if (anchor) ends.push(anchor.time);
  return { types, sureUntil: ends.length ? Math.min(now, Math.max(...ends)) : undefined };
}
