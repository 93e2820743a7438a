import { ObjectLockedError } from "../errors.js";
import type { ObjectStore } from "../stores/object-store.js";
import { snapshotManifestKey, snapshotPrefix } from "./layout.js";
import { applyRetention, type RetentionRule, type RetentionRules } from "./retention.js";
import type { JournalPruneReport } from "../journal/journal-prune.js";
import type { SnapshotManifest, SnapshotSource } from "./types.js";

/** A BackupConfiguration's retentionPolicy (its `name` is not needed here). */
export interface RetentionPolicy extends RetentionRules {
  /** Also delete the data of dropped snapshots (default true); false only removes their snapshot.json. */
  prune?: boolean;
  /** Only report what would be removed (default false). */
  dryRun?: boolean;
}

export interface ForgetOptions {
  /** IANA zone the periods are counted in (default UTC). */
  timeZone?: string;
  /** Consider only snapshots whose source has all of these values, e.g. one BackupConfiguration's. */
  source?: Partial<Pick<SnapshotSource, "kind" | "namespace" | "invoker">>;
}

export interface ForgetEntry {
  id: string;
  time: string;
  /** The retention group, see retentionGroup. */
  group: string;
}

export interface ForgetResult {
  dryRun: boolean;
  prune: boolean;
  /** Newest first within each group. */
  kept: (ForgetEntry & { reasons: RetentionRule[] })[];
  removed: ForgetEntry[];
  /**
   * Snapshots the policy drops but S3 Object Lock still retains: left whole (not one object
   * deleted), with the time their last lock ends; a later run removes them.
   */
  locked: (ForgetEntry & { retainUntil: string })[];
  /** Store objects deleted (0 on a dry run). */
  deletedKeys: number;
  deletedBytes: number;
  /**
   * Format 2: why the prune after the forget did not run (the repository lock is held, e.g. by a
   * running backup); the forgotten snapshots' data goes with the next prune.
   */
  pruneDeferred?: string;
  /** Format 2, after its prune: journal segments kept and deleted (the prune's report). */
  journal?: JournalPruneReport;
}

export interface ForgetDeps {
  store: ObjectStore;
  listSnapshots(): Promise<SnapshotManifest[]>;
  /** Deletes what is left of a snapshot whose snapshot.json is gone. */
  deleteSnapshot(id: string): Promise<{ keys: number; bytes: number }>;
}

/**
 * The policy is applied to each group on its own, as restic groups by host and paths: snapshots
 * of one BackupConfiguration (`<kind>:<namespace>/<invoker>`), or CLI snapshots of one scope
 * (`cli:namespace/prod`).
 */
export function retentionGroup({ source, scope }: SnapshotManifest): string {
  if (source.invoker) return `${source.kind}:${source.namespace ?? ""}/${source.invoker}`;
  const what = scope.type === "cluster" ? "cluster" : `${scope.type}/${scope.target ?? scope.namespace ?? ""}`;
  return `${source.kind}:${what}`;
}

function matches(manifest: SnapshotManifest, source: ForgetOptions["source"] = {}): boolean {
  return Object.entries(source).every(
    ([field, value]) => value === undefined || manifest.source[field as keyof SnapshotSource] === value,
  );
}

function groupsOf(manifests: SnapshotManifest[]): Map<string, SnapshotManifest[]> {
  const groups = new Map<string, SnapshotManifest[]>();
  for (const manifest of manifests) {
    const group = retentionGroup(manifest);
    groups.set(group, [...(groups.get(group) ?? []), manifest]);
  }
  return groups;
}

/**
 * Applies `policy` and removes what it drops: first the snapshot.json of every dropped snapshot
 * (from then on none of them is listed, so a crash midway leaves no listed, broken snapshot),
 * then, with prune, their data. Without prune the data stays as unfinished leftovers until a
 * sweep removes them.
 */
export async function forgetSnapshots(
  deps: ForgetDeps,
  policy: RetentionPolicy,
  options: ForgetOptions = {},
): Promise<ForgetResult> {
  const manifests = (await deps.listSnapshots()).filter((m) => matches(m, options.source));
  const result: ForgetResult = {
    dryRun: policy.dryRun ?? false,
    prune: policy.prune ?? true,
    kept: [],
    removed: [],
    locked: [],
    deletedKeys: 0,
    deletedBytes: 0,
  };
  for (const [group, members] of groupsOf(manifests)) {
    const outcome = applyRetention(members, policy, { timeZone: options.timeZone });
    for (const { snapshot, reasons } of outcome.keep)
      result.kept.push({ id: snapshot.id, time: snapshot.time, group, reasons });
    for (const snapshot of outcome.remove) result.removed.push({ id: snapshot.id, time: snapshot.time, group });
  }
  await setAsideLocked(deps.store, result);
  if (result.dryRun) return result;
  for (const entry of [...result.removed]) {
    const marker = snapshotManifestKey(entry.id);
    const size = (await deps.store.stat(marker))?.size;
    if (size === undefined) continue; // removed concurrently
    try {
      await deps.store.delete(marker);
    } catch (err) {
      if (!(err instanceof ObjectLockedError)) throw err;
      lockedAfterAll(result, entry, err); // locked since the check (a clock ahead of the store's)
      continue;
    }
    result.deletedKeys += 1;
    result.deletedBytes += size;
  }
  if (!result.prune) return result;
  for (const { id } of result.removed) {
    const { keys, bytes } = await deps.deleteSnapshot(id);
    result.deletedKeys += keys;
    result.deletedBytes += bytes;
  }
  return result;
}

/** The latest time a lock on one of the snapshot's objects ends, when one is still locked. */
export async function lockedUntil(store: ObjectStore, id: string): Promise<Date | undefined> {
  let latest: Date | undefined;
  for await (const { key } of store.list(snapshotPrefix(id))) {
    const until = await store.retainedUntil?.(key);
    if (until && !(latest && latest >= until)) latest = until;
  }
  return latest;
}

/** Moves the dropped snapshots with a locked object from `removed` to `locked`, before anything is deleted. */
async function setAsideLocked(store: ObjectStore, result: ForgetResult): Promise<void> {
  if (!store.retainedUntil) return;
  const unlocked: ForgetEntry[] = [];
  for (const entry of result.removed) {
    const until = await lockedUntil(store, entry.id);
    if (until) result.locked.push({ ...entry, retainUntil: until.toISOString() });
    else unlocked.push(entry);
  }
  result.removed = unlocked;
}

function lockedAfterAll(result: ForgetResult, entry: ForgetEntry, err: ObjectLockedError): void {
  result.removed = result.removed.filter((r) => r.id !== entry.id);
  result.locked.push({ ...entry, retainUntil: err.retainUntil?.toISOString() ?? "" });
}
