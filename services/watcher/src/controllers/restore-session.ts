import { FINISHED_RESTORE_SESSION_PHASES } from "@kubedump/api";
import type { KubeObject } from "@kubedump/kube";
import { QUEUES, type RestoreJob } from "@kubedump/queue";
import { DEFAULT_RESTORE_HISTORY_LIMIT } from "../config.js";
import { type Controller, type ControllerDeps, done, generationChanged } from "../controller.js";
import { enforceHistoryLimit } from "../history-limit.js";
import { statusOf, writeStatus } from "../status-writer.js";

const repositoryOf = (obj: KubeObject): string | undefined =>
  (obj.spec as { repository?: { name?: string } } | undefined)?.repository?.name;
const isFinished = (phase: string | undefined): boolean =>
  (FINISHED_RESTORE_SESSION_PHASES as readonly string[]).includes(phase ?? "");

/**
 * RestoreSession: a new or Pending session gets exactly one restores job, keyed by its uid (a
 * restore writes to the cluster, so it is never retried by the queue: the worker records why it
 * failed and a user makes a new session). A finished one trims the finished sessions of its
 * Repository to the watcher's restoreHistoryLimit.
 */
export function restoreSessionController(deps: ControllerDeps): Controller {
  return {
    kind: "RestoreSession",
    wants: (old, obj) => generationChanged(old, obj) || statusOf(old).phase !== statusOf(obj).phase,
    async reconcile(_key, obj) {
      if (!obj) return done();
      const phase = statusOf(obj).phase;
      if (isFinished(phase)) await trimHistory(deps, obj);
      else if (!phase || phase === "Pending") await enqueueRestore(deps, obj, phase);
      return done();
    },
  };
}

async function enqueueRestore(deps: ControllerDeps, session: KubeObject, phase: string | undefined): Promise<void> {
  const uid = session.metadata.uid;
  if (!uid) return;
  if (!phase) await writeStatus(deps, "RestoreSession", session, { phase: "Pending" });
  const namespace = session.metadata.namespace ?? "default";
  await deps.queues.get<RestoreJob>(QUEUES.restores).add(
    "restore",
    { namespace, name: session.metadata.name, uid },
    {
      jobId: uid,
      attempts: 1,
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 24 * 3600, count: 1000 },
    },
  );
}

/** The finished RestoreSessions of the session's Repository beyond the limit go, oldest first; 0 keeps them all. */
async function trimHistory(deps: ControllerDeps, session: KubeObject): Promise<void> {
  const limit = deps.restoreHistoryLimit ?? DEFAULT_RESTORE_HISTORY_LIMIT;
  const repository = repositoryOf(session);
  if (limit === 0 || !repository) return;
  const namespace = session.metadata.namespace ?? "default";
  const member = (s: KubeObject) => repositoryOf(s) === repository;
  const history = { kind: "RestoreSession", namespace, member, of: `Repository ${repository}` } as const;
  await enforceHistoryLimit(deps, { ...history, setting: "RESTORE_HISTORY_LIMIT" }, limit);
}
