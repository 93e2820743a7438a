import {
  BackupConfigurationSpecSchema,
  crPath,
  DEFAULT_BACKUP_HISTORY_LIMIT,
  FINISHED_BACKUP_SESSION_PHASES,
  parseDuration,
  retryPolicyOf,
  validateBackupConfiguration,
} from "@kubedump/api";
import { isNotFound, type KubeObject } from "@kubedump/kube";
import { type BackupJob, QUEUES } from "@kubedump/queue";
import { type Controller, type ControllerDeps, done, generationChanged } from "../controller.js";
import { enforceHistoryLimit } from "../history-limit.js";
import { statusOf, writeStatus } from "../status-writer.js";

const invokerOf = (obj: KubeObject): string | undefined =>
  (obj.spec as { invoker?: { name?: string } } | undefined)?.invoker?.name;
const isFinished = (phase: string | undefined): boolean =>
  (FINISHED_BACKUP_SESSION_PHASES as readonly string[]).includes(phase ?? "");

/**
 * BackupSession: a new or Pending session gets exactly one backups job (keyed by its uid, with
 * the retries of its configuration); a finished one trims the finished sessions of its
 * configuration to backupHistoryLimit, whoever made them and whether or not it is paused.
 */
export function backupSessionController(deps: ControllerDeps): Controller {
  return {
    kind: "BackupSession",
    // The dump worker moves the phase on through the status: a finished phase is what trims.
    wants: (old, obj) => generationChanged(old, obj) || statusOf(old).phase !== statusOf(obj).phase,
    async reconcile(_key, obj) {
      if (!obj) return done();
      const phase = statusOf(obj).phase;
      if (isFinished(phase)) await trimHistory(deps, obj);
      else if (!phase || phase === "Pending") await enqueueBackup(deps, obj, phase);
      return done();
    },
  };
}

/** The session's configuration as the cache holds it; undefined when it has none. */
function cachedConfigurationOf(deps: ControllerDeps, session: KubeObject): KubeObject | undefined {
  const invoker = invokerOf(session);
  return invoker ? deps.cache("BackupConfiguration").get(session.metadata.namespace ?? "default", invoker) : undefined;
}

/** The cache, or the API server when the cache has not seen it yet (both created by one `kubectl apply`). */
async function configurationOf(deps: ControllerDeps, session: KubeObject): Promise<KubeObject | undefined> {
  const cached = cachedConfigurationOf(deps, session);
  const invoker = invokerOf(session);
  if (cached || !invoker) return cached;
  try {
    return await deps.client.get<KubeObject>(
      crPath("BackupConfiguration", session.metadata.namespace ?? "default", invoker),
    );
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function enqueueBackup(deps: ControllerDeps, session: KubeObject, phase: string | undefined): Promise<void> {
  const uid = session.metadata.uid;
  if (!uid) return;
  if (!phase) await writeStatus(deps, "BackupSession", session, { phase: "Pending" });
  // A configuration missing or invalid gets no retries: the worker fails the session, naming the problem.
  const config = await configurationOf(deps, session);
  const valid = config ? validateBackupConfiguration(config) : undefined;
  const retry = retryPolicyOf(valid?.ok ? valid.value.spec : {});
  const namespace = session.metadata.namespace ?? "default";
  await deps.queues.get<BackupJob>(QUEUES.backups).add(
    "backup",
    { namespace, name: session.metadata.name, uid },
    {
      jobId: uid,
      attempts: retry.maxRetry + 1,
      backoff: { type: "exponential", delay: parseDuration(retry.delay) },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 24 * 3600, count: 1000 },
    },
  );
}

/** backupHistoryLimit of the session's configuration (its default when unset or unreadable); none without one. */
async function trimHistory(deps: ControllerDeps, session: KubeObject): Promise<void> {
  const config = cachedConfigurationOf(deps, session);
  if (!config) return;
  const raw = (config.spec as { backupHistoryLimit?: unknown } | undefined)?.backupHistoryLimit;
  const parsed = BackupConfigurationSpecSchema.shape.backupHistoryLimit.safeParse(raw);
  const limit = parsed.success ? parsed.data : DEFAULT_BACKUP_HISTORY_LIMIT;
  const namespace = config.metadata.namespace ?? "default";
  const name = config.metadata.name;
  const member = (s: KubeObject) => invokerOf(s) === name;
  const history = { kind: "BackupSession", namespace, member, of: `BackupConfiguration ${name}` } as const;
  await enforceHistoryLimit(deps, { ...history, setting: "backupHistoryLimit" }, limit);
}
