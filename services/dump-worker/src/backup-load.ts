import { createHash } from "node:crypto";
import {
  type BackupConfiguration,
  type BackupSession,
  crPath,
  FINISHED_BACKUP_SESSION_PHASES,
  validateBackupConfiguration,
  validateBackupSession,
  validateRepository,
} from "@kubedump/api";
import { configDumpSpec, type TakeSnapshotInput } from "@kubedump/dump";
import { isNotFound, type KubeClient } from "@kubedump/kube";
import { type BackupJob, InvalidSpecError, type Job } from "@kubedump/queue";
import { newSnapshotId } from "@kubedump/repository/snapshot";
import { acquireConfigLock } from "./config-lock.js";
import type { Loaded } from "./reconciler.js";
import type { BackupDeps, BackupOutcome, BackupWork } from "./backup-types.js";
import { indexCacheDirOf } from "./scratch.js";
import type { SessionRef } from "./session-status.js";

/** A snapshot id fixed by the session, so a job taken over by another worker writes the same snapshot. */
export function snapshotIdFor(session: BackupSession): string {
  const created = session.metadata.creationTimestamp ? new Date(session.metadata.creationTimestamp) : new Date(0);
  return newSnapshotId(
    created,
    createHash("sha256")
      .update(session.metadata.uid ?? session.metadata.name ?? "")
      .digest("hex")
      .slice(0, 8),
  );
}

export const sessionRefOf = (job: Job<BackupJob>): SessionRef => ({
  kind: "BackupSession",
  namespace: job.data.namespace,
  name: job.data.name,
});

/**
 * Load: the session (gone or finished: done), its BackupConfiguration and Repository (missing or
 * invalid: InvalidSpecError), the opened repository (a missing Secret or an unreachable backend
 * is a plain error, retried), and last the configuration's lock (held by another session: Skipped).
 */
export async function loadBackup(deps: BackupDeps, job: Job<BackupJob>): Promise<Loaded<BackupWork, BackupOutcome>> {
  const ref = sessionRefOf(job);
  const session = await getSession(deps.client, ref);
  if (!session) return { done: "gone" };
  const phase = session.status?.phase;
  if (phase && FINISHED_BACKUP_SESSION_PHASES.includes(phase)) return { done: phase };
  const config = await getConfig(deps.client, ref, session.spec.invoker.name);
  const repoName = config.spec.repository.name;
  const repoObj = validateRepository(
    await getOrInvalid(
      deps.client,
      crPath("Repository", ref.namespace, repoName),
      `spec.repository.name of BackupConfiguration ${ref.namespace}/${config.metadata.name}: Repository ${ref.namespace}/${repoName} not found`,
    ),
  );
  if (!repoObj.ok) throw new InvalidSpecError(`Repository ${ref.namespace}/${repoName}: ${repoObj.errors.join("; ")}`);
  const snapshot = snapshotInput(session, config);
  const repository = await deps.openRepository(repoObj, ref.namespace);
  const start = session.status?.startTime ? new Date(session.status.startTime) : (deps.now ?? (() => new Date()))();
  const lock = await acquireConfigLock(
    deps.redis,
    `${deps.lockPrefix}:lock:${ref.namespace}/${config.metadata.name}`,
    session.metadata.uid ?? ref.name,
    deps.lockTtlMs,
  );
  const where = [ref.namespace, repoName, repoObj.value.spec.backend];
  const indexCacheDir = deps.scratchDir === undefined ? undefined : indexCacheDirOf(deps.scratchDir, where);
  const work: BackupWork = { ref, session, config, repository, snapshot, start, lock, indexCacheDir };
  return lock.acquired ? { work } : { work, outcome: { phase: "Skipped", holder: lock.holder } };
}

/** The snapshot a configuration asks for; invalid task params are an InvalidSpecError. */
function snapshotInput(session: BackupSession, config: BackupConfiguration): TakeSnapshotInput {
  const ns = config.metadata.namespace ?? session.metadata.namespace ?? "default";
  const spec = configDumpSpec({ ...config, metadata: { ...config.metadata, namespace: ns } });
  if ("errors" in spec)
    throw new InvalidSpecError(`BackupConfiguration ${ns}/${config.metadata.name}: ${spec.errors.join("; ")}`);
  return {
    ...spec,
    id: snapshotIdFor(session),
    source: {
      kind: "BackupSession",
      namespace: ns,
      name: session.metadata.name ?? "",
      invoker: `BackupConfiguration/${session.spec.invoker.name}`,
    },
  };
}

/** The session, or undefined when it is gone; an invalid one is an InvalidSpecError. */
export async function getSession(client: KubeClient, ref: SessionRef): Promise<BackupSession | undefined> {
  try {
    const v = validateBackupSession(await client.get<unknown>(crPath("BackupSession", ref.namespace, ref.name)));
    if (!v.ok) throw new InvalidSpecError(`BackupSession ${ref.namespace}/${ref.name}: ${v.errors.join("; ")}`);
    return v.value;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The session's BackupConfiguration; missing or invalid, an InvalidSpecError. */
export async function getConfig(client: KubeClient, session: SessionRef, name: string): Promise<BackupConfiguration> {
  const namespace = session.namespace;
  const obj = await getOrInvalid(
    client,
    crPath("BackupConfiguration", namespace, name),
    `spec.invoker.name of BackupSession ${namespace}/${session.name}: BackupConfiguration ${namespace}/${name} not found`,
  );
  const v = validateBackupConfiguration(obj);
  if (!v.ok) throw new InvalidSpecError(`BackupConfiguration ${namespace}/${name}: ${v.errors.join("; ")}`);
  return v.value;
}

async function getOrInvalid(client: KubeClient, path: string, notFound: string): Promise<unknown> {
  try {
    return await client.get<unknown>(path);
  } catch (err) {
    if (isNotFound(err)) throw new InvalidSpecError(notFound, { cause: err });
    throw err;
  }
}
