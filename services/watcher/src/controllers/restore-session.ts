import { QUEUES, type RestoreJob } from "@kubedump/queue";
import type { KubeObject } from "@kubedump/kube";
import { type Controller, type ControllerDeps, done, generationChanged } from "../controller.js";
import { statusOf, writeStatus } from "../status-writer.js";

/**
 * RestoreSession: a new or Pending session gets exactly one restores job, keyed by its uid (a
 * restore writes to the cluster, so it is never retried by the queue: the worker records why it
 * failed and a user makes a new session). Finished sessions are left as they are.
 */
export function restoreSessionController(deps: ControllerDeps): Controller {
  return {
    kind: "RestoreSession",
    wants: (old, obj) => generationChanged(old, obj) || statusOf(old).phase !== statusOf(obj).phase,
    async reconcile(_key, obj) {
      if (!obj) return done();
      const phase = statusOf(obj).phase;
      if (!phase || phase === "Pending") await enqueueRestore(deps, obj, phase);
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
