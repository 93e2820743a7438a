import type { JournalReader } from "@kubedump/repository/journal";
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

/**
 * The state at `now` (stateAt: the latest anchor snapshot plus the changes after it) reduced to
 * what the recorder keeps, and the time the journal ends. A scope never recorded nor snapshotted
 * has an empty base and no such time.
 */
export async function loadJournalBase(reader: JournalReader, now: number): Promise<JournalBase> {
  const segments = await reader.listSegments();
  const state = await reader.stateAt(now);
  const types = new Map<string, ObjectTable>();
  for (const { ref, blob } of state.objects.values()) {
    const key = typeKeyOf(ref.group, ref.resource);
    const objects = types.get(key) ?? new ObjectTable();
    types.set(key, objects);
    objects.set(nameKey(ref.name, ref.namespace), { uid: ref.uid, blob, pass: 0 });
  }
  state.objects.clear();
  const ends = segments.map((s) => s.end);
  if (state.anchor) ends.push(state.anchor.time);
  return { types, sureUntil: ends.length ? Math.min(now, Math.max(...ends)) : undefined };
}
