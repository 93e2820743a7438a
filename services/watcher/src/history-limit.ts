import { crPath, FINISHED_BACKUP_SESSION_PHASES, FINISHED_RESTORE_SESSION_PHASES } from "@kubedump/api";
import { isNotFound, type KubeObject } from "@kubedump/kube";
import type { ControllerDeps } from "./controller.js";

export type SessionKind = "BackupSession" | "RestoreSession";

/** Phases after which a session never changes again: only those are counted and deleted. */
const FINISHED: Record<SessionKind, readonly string[]> = {
  BackupSession: FINISHED_BACKUP_SESSION_PHASES,
  RestoreSession: FINISHED_RESTORE_SESSION_PHASES,
};

const createdAt = (s: KubeObject): string =>
  typeof s.metadata.creationTimestamp === "string" ? s.metadata.creationTimestamp : "";
const phaseOf = (s: KubeObject): string => (s.status as { phase?: string } | undefined)?.phase ?? "";

/**
 * The finished sessions beyond the newest `limit`, oldest first (by creation, then by name).
 * Pending and Running sessions are never among them, nor counted.
 */
export function sessionsOverLimit(kind: SessionKind, sessions: readonly KubeObject[], limit: number): KubeObject[] {
  const newestFirst = sessions
    .filter((s) => FINISHED[kind].includes(phaseOf(s)))
    .sort((a, b) => createdAt(b).localeCompare(createdAt(a)) || b.metadata.name.localeCompare(a.metadata.name));
  return newestFirst.slice(limit).reverse();
}

export type HistoryLimitDeps = Pick<ControllerDeps, "client" | "log" | "cache">;

/** One history: the sessions of a BackupConfiguration, or the RestoreSessions of a Repository. */
export interface SessionHistory {
  kind: SessionKind;
  namespace: string;
  /** Whether a session of the namespace belongs to this history. */
  member(session: KubeObject): boolean;
  /** What the sessions belong to, for the log, e.g. `BackupConfiguration nightly`. */
  of: string;
  /** The setting that limits it, for the log: backupHistoryLimit, RESTORE_HISTORY_LIMIT. */
  setting: string;
}

/**
 * Keeps the newest `limit` finished sessions of one history and deletes the older ones (one
 * already gone counts as deleted). The sessions are read from the cache: a finished phase never
 * changes back, so a stale cache can only keep one too many, which the next finished session
 * trims. Returns the names deleted.
 */
export async function enforceHistoryLimit(
  deps: HistoryLimitDeps,
  history: SessionHistory,
  limit: number,
): Promise<string[]> {
  const { kind, namespace } = history;
  const sessions = deps
    .cache(kind)
    .list()
    .filter((s) => (s.metadata.namespace ?? "default") === namespace && history.member(s));
  const doomed = sessionsOverLimit(kind, sessions, limit).map((s) => s.metadata.name);
  for (const session of doomed) {
    try {
      await deps.client.delete(crPath(kind, namespace, session));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  if (doomed.length)
    deps.log.info({ namespace, of: history.of, deleted: doomed, limit }, `old ${kind}s deleted (${history.setting})`);
  return doomed;
}
