import { crPath, FINISHED_BACKUP_SESSION_PHASES } from "@kubedump/api";
import { isNotFound, type KubeClient, type KubeObject } from "@kubedump/kube";
import type { Logger } from "@kubedump/service";

const createdAt = (s: KubeObject): string =>
  typeof s.metadata.creationTimestamp === "string" ? s.metadata.creationTimestamp : "";
const isFinished = (s: KubeObject): boolean =>
  (FINISHED_BACKUP_SESSION_PHASES as readonly string[]).includes(
    (s.status as { phase?: string } | undefined)?.phase ?? "",
  );

/**
 * The finished sessions beyond the newest `limit`, oldest first (by creation, then by name).
 * Pending and Running sessions are never among them, nor counted.
 */
export function sessionsOverLimit(sessions: readonly KubeObject[], limit: number): KubeObject[] {
  const newestFirst = sessions
    .filter(isFinished)
    .sort((a, b) => createdAt(b).localeCompare(createdAt(a)) || b.metadata.name.localeCompare(a.metadata.name));
  return newestFirst.slice(limit).reverse();
}

export interface HistoryLimitDeps {
  client: KubeClient;
  log: Logger;
}

/**
 * Keeps the newest `limit` finished sessions of a configuration and deletes the older ones
 * (one already gone counts as deleted). `sessions` are the configuration's sessions as the cache
 * holds them: a finished phase never changes back, so a stale cache can only keep one too many,
 * which the next finished session trims. Returns the names deleted.
 */
export async function enforceHistoryLimit(
  deps: HistoryLimitDeps,
  config: { namespace: string; name: string },
  sessions: readonly KubeObject[],
  limit: number,
): Promise<string[]> {
  const doomed = sessionsOverLimit(sessions, limit).map((s) => s.metadata.name);
  for (const session of doomed) {
    try {
      await deps.client.delete(crPath("BackupSession", config.namespace, session));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  if (doomed.length)
    deps.log.info({ ...config, deleted: doomed, limit }, "old BackupSessions deleted (backupHistoryLimit)");
  return doomed;
}
