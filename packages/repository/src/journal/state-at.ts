import { RepositoryFormatError } from "../errors.js";
import { BlobSource } from "../format2/blob-source.js";
import { loadBlobIndex } from "../format2/index-loader.js";
import type { Format2Keys } from "../format2/keys.js";
import type { SnapshotManifestV2 } from "../format2/manifest.js";
import { eachTreeObject } from "../format2/tree-walker.js";
import { listSnapshotsV2 } from "../format2/used-blobs.js";
import { snapshotManifestKey } from "../snapshot/layout.js";
import type { ObjectStore } from "../stores/object-store.js";
import { scopeIdOf } from "./layout.js";
import { type JournalGap, type JournalRecord, type ObjectRef, objectKey } from "./records.js";
import { sliceOf, type TimeRange } from "./journal-slice.js";

/** One object of a state: its ref, the blob of its YAML, and its resourceVersion when a change gave it. */
export interface StateObject {
  ref: ObjectRef;
  blob: string;
  resourceVersion?: string;
}

/** The objects of a scope at one moment, and how they were found. */
export interface JournalState {
  time: number;
  /** The snapshot replay started from; absent when the scope has no snapshot and the whole journal was replayed. */
  anchor?: { id: string; time: number };
  /** objectKey(ref) → object. */
  objects: Map<string, StateObject>;
  /** Changes replayed over the anchor. */
  replayed: number;
  /** Gaps overlapping the replayed window: changes there are known only by their outcome. */
  gaps: JournalGap[];
}

/** No snapshot of the scope completed at or before the time asked, though the scope has snapshots. */
export class NoAnchorError extends Error {
  override readonly name = "NoAnchorError";
}

export interface StateAtDeps {
  store: ObjectStore;
  keys: Format2Keys | null;
  scopeId: string;
  records(range: TimeRange): Promise<JournalRecord[]>;
}

/** The scope's format-2 snapshots, oldest first by start time. */
export async function scopeSnapshots(deps: Omit<StateAtDeps, "records">): Promise<SnapshotManifestV2[]> {
  const found: SnapshotManifestV2[] = [];
  for await (const manifest of listSnapshotsV2(deps.store))
    if (scopeIdOf(deps.keys, manifest) === deps.scopeId) found.push(manifest);
  return found.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** The snapshot a state at some time starts from (see findAnchor): its id, start time and manifest. */
export interface JournalAnchor {
  id: string;
  time: number;
  manifest: SnapshotManifestV2;
}

/**
 * The anchor of the state at `time`: the latest snapshot of the scope (by start time) that
 * completed at or before `time`; undefined when the scope has no snapshot; NoAnchorError when
 * all its snapshots completed later.
 */
export async function findAnchor(deps: Omit<StateAtDeps, "records">, time: number): Promise<JournalAnchor | undefined> {
  const snapshots = await scopeSnapshots(deps);
  const done = snapshots.filter((s) => Date.parse(s.completedAt) <= time);
  const anchor = done.reduce<SnapshotManifestV2 | undefined>(
    (best, s) => (best === undefined || Date.parse(s.time) >= Date.parse(best.time) ? s : best),
    undefined,
  );
  if (anchor === undefined && snapshots.length > 0)
    throw new NoAnchorError(
      `no snapshot of journal scope ${deps.scopeId} completed at or before ${new Date(time).toISOString()}; ` +
        `the oldest, ${snapshots[0]?.id}, started at ${snapshots[0]?.time}`,
    );
  if (anchor === undefined) return undefined;
  const start = Date.parse(anchor.time);
  if (Number.isNaN(start)) throw new RepositoryFormatError(snapshotManifestKey(anchor.id), "time: not an ISO time");
  return { id: anchor.id, time: start, manifest: anchor };
}

/**
 * Calls `visit` with each object of the anchor's tree (ref and blob id), in the tree's order, a
 * whole tree streamed (eachTreeObject): the tree is never held. When this throws, some objects may
 * have been visited already.
 */
export async function eachAnchorObject(
  deps: Omit<StateAtDeps, "records">,
  anchor: JournalAnchor,
  visit: (ref: ObjectRef, blob: string) => void,
): Promise<void> {
  const { index } = await loadBlobIndex(deps);
  await eachTreeObject(new BlobSource({ ...deps, index }), anchor.manifest, ({ record, blob }) => {
    const { group, version, resource, namespace, name, uid } = record;
    visit(
      namespace === undefined
        ? { group, version, resource, name, uid }
        : { group, version, resource, namespace, name, uid },
      blob,
    );
  });
}

async function anchorObjects(deps: StateAtDeps, anchor: JournalAnchor): Promise<Map<string, StateObject>> {
  const objects = new Map<string, StateObject>();
  await eachAnchorObject(deps, anchor, (ref, blob) => objects.set(objectKey(ref), { ref, blob }));
  return objects;
}

/**
 * The objects of the scope at `time` (ms): the latest snapshot of the scope (same scope and params)
 * that completed at or before `time`, then every change with a time from that snapshot's start
 * up to `time`, in time order. Changes during the snapshot's run may be in it already; replaying
 * them again gives the same outcome, while skipping one it missed would not. An added or modified
 * change sets the object; a deletion removes it unless the object there has another uid (a
 * re-creation seen first). With no snapshot at all the whole journal is replayed; with snapshots
 * that all completed later, NoAnchorError (prune keeps the journal only from the oldest snapshot).
 */
export async function stateAt(deps: StateAtDeps, time: number): Promise<JournalState> {
  if (!Number.isSafeInteger(time) || time < 0) throw new TypeError(`stateAt: time ${time} is not ms since the epoch`);
  const anchor = await findAnchor(deps, time);
  const start = anchor && { id: anchor.id, time: anchor.time };
  const objects = anchor ? await anchorObjects(deps, anchor) : new Map<string, StateObject>();
  const range = { from: start?.time, to: time };
  const { changes, gaps } = sliceOf(await deps.records(range), range);
  for (const change of changes) {
    const key = objectKey(change.ref);
    if (change.kind !== "deleted" && change.blob !== undefined)
      objects.set(key, { ref: change.ref, blob: change.blob, resourceVersion: change.resourceVersion });
    else if (change.kind === "deleted") {
      const uid = objects.get(key)?.ref.uid;
      if (uid === undefined || uid === "" || change.ref.uid === "" || uid === change.ref.uid) objects.delete(key);
    }
  }
  return { time, anchor: start, objects, replayed: changes.length, gaps };
}
