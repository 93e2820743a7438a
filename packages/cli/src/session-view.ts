import { ConditionType, crPath, type KubedumpKind } from "@kubedump/api";
import { TargetNotFoundError } from "@kubedump/dump";
import { isNotFound, type KubeClient } from "@kubedump/kube";
import { UsageError } from "./target.js";

export type SessionKind = Extract<KubedumpKind, "BackupSession" | "RestoreSession">;
export const SESSION_KINDS: readonly SessionKind[] = ["BackupSession", "RestoreSession"];

export interface SessionCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A BackupSession or RestoreSession as the API server returns it; only what the CLI shows is typed. */
export interface SessionObject {
  apiVersion: string;
  kind: SessionKind;
  metadata: { name: string; namespace?: string; uid?: string; creationTimestamp?: string };
  spec?: {
    invoker?: { kind?: string; name?: string };
    repository?: { name?: string };
    snapshot?: string;
    backupConfiguration?: string;
  };
  status?: {
    phase?: string;
    startTime?: string;
    completionTime?: string;
    sessionDuration?: string;
    snapshot?: string | { id: string; objects: number; totalSize: string; uploaded: string };
    warnings?: string[];
    conditions?: SessionCondition[];
    counts?: Record<string, number>;
    failures?: { type: string; namespace?: string; name: string; reason: string }[];
    failuresTruncated?: number;
  };
}

/** What kubectl calls each kind (`backupsession`, `backupsession.kubedump.io`, the short name). */
const KIND_NAMES: Record<string, SessionKind> = {
  backupsession: "BackupSession",
  backupsessions: "BackupSession",
  "backupsession.kubedump.io": "BackupSession",
  kdbs: "BackupSession",
  restoresession: "RestoreSession",
  restoresessions: "RestoreSession",
  "restoresession.kubedump.io": "RestoreSession",
  kdrestore: "RestoreSession",
};

/** `-o name` of a session, as kubectl prints it. */
export const resourceNameOf = (s: SessionObject): string => `${s.kind.toLowerCase()}.kubedump.io/${s.metadata.name}`;

/** The condition that says how a session ended: SnapshotCommitted of a backup, Restored of a restore. */
export function outcomeOf(s: SessionObject): SessionCondition | undefined {
  const type = s.kind === "BackupSession" ? ConditionType.SnapshotCommitted : ConditionType.Restored;
  return s.status?.conditions?.find((c) => c.type === type);
}

/** `<reason>: <message>` of the session's outcome condition when it is False (failed, skipped). */
export function reasonOf(s: SessionObject): string {
  const c = outcomeOf(s);
  const why = c?.status === "False" ? [c.reason, c.message].filter(Boolean).join(": ") : "";
  return why || "no reason recorded";
}

/** The reason of a session that failed; undefined for any other. */
export function failureOf(s: SessionObject): string | undefined {
  return s.status?.phase === "Failed" ? reasonOf(s) : undefined;
}

/**
 * The session `arg` names in `namespace`: `<name>`, or `<kind>/<name>` with kind as kubectl names
 * it. A bare name that both kinds have is ambiguous; one neither has is a TargetNotFoundError.
 */
export async function getSession(client: KubeClient, namespace: string, arg: string): Promise<SessionObject> {
  const slash = arg.indexOf("/");
  const kindName = slash < 0 ? undefined : arg.slice(0, slash).toLowerCase();
  const name = slash < 0 ? arg : arg.slice(slash + 1);
  const kind = kindName === undefined ? undefined : KIND_NAMES[kindName];
  if (kindName !== undefined && !kind)
    throw new UsageError(`"${arg}": the kind must be backupsession or restoresession, got "${kindName}"`);
  const found: SessionObject[] = [];
  for (const k of kind ? [kind] : SESSION_KINDS) {
    const s = await client.get<SessionObject>(crPath(k, namespace, name)).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (s) found.push(s);
  }
  if (found.length > 1)
    throw new UsageError(
      `both a BackupSession and a RestoreSession are named ${name} in ${namespace}: say backupsession/${name} or restoresession/${name}`,
    );
  if (!found[0]) throw new TargetNotFoundError(`no ${kind ?? "BackupSession or RestoreSession"} ${namespace}/${name}`);
  return found[0];
}

export interface SessionEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string };
  reportingComponent?: string;
}

/** The Events about a session (by its uid), oldest first. */
export async function eventsOf(client: KubeClient, s: SessionObject): Promise<SessionEvent[]> {
  if (!s.metadata.uid) return [];
  const list = await client.get<{ items: SessionEvent[] }>(
    `/api/v1/namespaces/${encodeURIComponent(s.metadata.namespace ?? "default")}/events`,
    { fieldSelector: `involvedObject.uid=${s.metadata.uid}` },
  );
  return list.items.sort((a, b) => timeOf(a).localeCompare(timeOf(b)));
}

export const timeOf = (e: SessionEvent): string => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? "";

/** kubectl's age: 45s, 12m, 3h, 4d. */
export function ageOf(time: string | undefined, now = Date.now()): string {
  const ms = time ? now - Date.parse(time) : Number.NaN;
  if (!Number.isFinite(ms)) return "<unknown>";
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 2 * 3600) return `${Math.floor(s / 60)}m`;
  if (s < 2 * 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
