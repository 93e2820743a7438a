// The shapes of the console API's answers (CONSOLE-API.md).

export interface RepositoryItem {
  namespace: string;
  name: string;
  backend: { type: string; [k: string]: unknown };
  phase?: string;
  snapshots?: number | null;
  lastSnapshotTime?: string | null;
  /** Set when the object's spec does not validate: what is wrong with it. */
  error?: string;
}

export interface SnapshotItem {
  id: string;
  time: string;
  completedAt?: string;
  objects: number;
  bytes: number;
  storedBytes?: number;
  scope?: unknown;
  source?: { kind?: string; namespace?: string; name?: string } | string;
  warnings?: string[];
}

export interface NamespaceNode {
  namespace: string;
  objects: number;
}

export interface TypeNode {
  resource: string;
  group: string;
  kind: string;
  objects: number;
}

export interface NameNode {
  name: string;
  kind: string;
  version: string;
  sha256: string;
  bytes: number;
}

export interface Page<T> {
  items: T[];
  next?: string | null;
}

export interface ObjectRef {
  group: string;
  resource: string;
  namespace: string;
  name: string;
}

export interface ObjectView {
  record: Partial<ObjectRef> & { kind?: string; version?: string; sha256?: string; bytes?: number };
  yaml: string;
  masked: boolean;
}

export interface HistoryItem {
  snapshot: string;
  time: string;
  change: "added" | "changed" | "removed" | "unchanged-omitted";
  sha256?: string | null;
  diff?: string | null;
}

/** A change of the object the journal of continuous capture recorded. */
export interface JournalChange {
  time: string;
  change: "added" | "modified" | "deleted";
  resourceVersion: string;
  uid: string;
  /** A snapshot id or the time of the change this one is compared with. */
  previous?: string;
  diff?: string | null;
}

/** Between from and to, changes are known only by their outcome. */
export interface JournalGap {
  from: string;
  to: string;
  reason: string;
}

export interface History extends Page<HistoryItem> {
  /** Diffs withheld: the user may not get this type there. */
  masked?: boolean;
  /** The journals' changes of the object and their gaps; null without a journal. */
  journal?: { changes: JournalChange[]; gaps: JournalGap[] } | null;
}

/** One version of an object the journal recorded. */
export interface JournalVersion extends Omit<JournalChange, "diff" | "previous"> {
  yaml: string;
  masked: boolean;
}

export interface DiffChange extends ObjectRef {
  change: "added" | "removed" | "changed";
  kind: string;
  diff?: string | null;
  /** The diff is withheld: the user may not get this type there. */
  masked?: boolean;
}

export interface DiffResult {
  stat: { added: number; removed: number; changed: number };
  changes: DiffChange[];
}

export interface BackupConfigurationItem {
  namespace: string;
  name: string;
  schedule?: string;
  paused?: boolean;
  target?: unknown;
  repository?: string | { name: string };
  phase?: string;
  lastSession?: string | { name?: string; phase?: string };
}

export interface BackupSessionItem {
  namespace: string;
  name: string;
  configuration?: string;
  phase?: string;
  startTime?: string;
  completionTime?: string;
  durationSeconds?: number;
  snapshot?: string | { id?: string };
  reason?: string;
}

export interface Created {
  namespace: string;
  name: string;
}
