import {
  crPath,
  FINISHED_RESTORE_SESSION_PHASES,
  LATEST_SNAPSHOT,
  type RestoreSession,
  type RestoreSessionSpec,
  validateRepository,
  validateRestoreSession,
} from "@kubedump/api";
import { isNotFound } from "@kubedump/kube";
import { InvalidSpecError, type Job, type RestoreJob } from "@kubedump/queue";
import { byTime, type Repository, SnapshotNotFoundError } from "@kubedump/repository";
import type { RestoreOptions } from "@kubedump/restore";
import type { Loaded } from "./reconciler.js";
import type { RestoreJobDeps, RestoreOutcome, RestoreWork } from "./restore-types.js";
import type { SessionRef } from "./session-status.js";

/** The snapshot a RestoreSession names (or the latest one it asks for) is not in its repository: terminal. */
export class RestoreSnapshotNotFoundError extends InvalidSpecError {
  override name = "RestoreSnapshotNotFoundError";
}

export const restoreRefOf = (job: Job<RestoreJob>): SessionRef => ({
  kind: "RestoreSession",
  namespace: job.data.namespace,
  name: job.data.name,
});

/**
 * Load: the session (gone or finished: done), its Repository (missing or invalid: InvalidSpecError),
 * the repository opened, and the snapshot resolved (`latest`, of spec.backupConfiguration when
 * set; missing: RestoreSnapshotNotFoundError). A restore is never retried, so every error is final.
 */
export async function loadRestore(
  deps: RestoreJobDeps,
  job: Job<RestoreJob>,
): Promise<Loaded<RestoreWork, RestoreOutcome>> {
  const ref = restoreRefOf(job);
  const session = await getRestoreSession(deps, ref);
  if (!session) return { done: "gone" };
  const phase = session.status?.phase;
  if (phase && FINISHED_RESTORE_SESSION_PHASES.includes(phase)) return { done: phase };
  const repositoryName = session.spec.repository.name;
  const repoObj = validateRepository(await getRepositoryObject(deps, ref, repositoryName));
  if (!repoObj.ok) {
    throw new InvalidSpecError(`Repository ${ref.namespace}/${repositoryName}: ${repoObj.errors.join("; ")}`);
  }
  const repository = await deps.openRepository(repoObj, ref.namespace);
  const snapshotId = await resolveSnapshot(repository, session.spec, ref);
  const start = session.status?.startTime ? new Date(session.status.startTime) : (deps.now ?? (() => new Date()))();
  return {
    work: { ref, session, repository, repositoryName, snapshotId, options: restoreOptionsOf(session.spec), start },
  };
}

/** The session, or undefined when it is gone; an invalid one is an InvalidSpecError. */
export async function getRestoreSession(deps: RestoreJobDeps, ref: SessionRef): Promise<RestoreSession | undefined> {
  try {
    const v = validateRestoreSession(await deps.client.get<unknown>(crPath("RestoreSession", ref.namespace, ref.name)));
    if (!v.ok) throw new InvalidSpecError(`RestoreSession ${ref.namespace}/${ref.name}: ${v.errors.join("; ")}`);
    return v.value;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function getRepositoryObject(deps: RestoreJobDeps, ref: SessionRef, name: string): Promise<unknown> {
  try {
    return await deps.client.get<unknown>(crPath("Repository", ref.namespace, name));
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw new InvalidSpecError(
      `spec.repository.name of RestoreSession ${ref.namespace}/${ref.name}: Repository ${ref.namespace}/${name} not found`,
      { cause: err },
    );
  }
}

/** The id to restore: spec.snapshot checked to exist, or the newest (of spec.backupConfiguration's) for latest. */
export async function resolveSnapshot(
  repository: Repository,
  spec: RestoreSessionSpec,
  ref: SessionRef,
): Promise<string> {
  const where = `spec.snapshot of RestoreSession ${ref.namespace}/${ref.name}`;
  if (spec.snapshot !== LATEST_SNAPSHOT) {
    try {
      return (await repository.getSnapshot(spec.snapshot)).id;
    } catch (err) {
      if (err instanceof SnapshotNotFoundError) {
        throw new RestoreSnapshotNotFoundError(
          `${where}: snapshot ${spec.snapshot} not found in Repository ${ref.namespace}/${spec.repository.name}`,
          { cause: err },
        );
      }
      throw err;
    }
  }
  const config = spec.backupConfiguration;
  const invoker = config === undefined ? undefined : `BackupConfiguration/${config}`;
  // "latest" is the newest readable snapshot: one whose snapshot.json does not read could not be restored.
  const candidates = (await repository.scanSnapshots()).snapshots.filter(
    (m) => invoker === undefined || (m.source.invoker === invoker && m.source.namespace === ref.namespace),
  );
  // By time, not id: ids order by the second only (byTime).
  const newest = byTime(candidates).at(-1)?.id;
  if (newest === undefined) {
    const of = config === undefined ? "" : ` made by BackupConfiguration ${ref.namespace}/${config}`;
    throw new RestoreSnapshotNotFoundError(
      `${where}: latest: no snapshot${of} in Repository ${ref.namespace}/${spec.repository.name}`,
    );
  }
  return newest;
}

/** The engine's options from the spec. */
export function restoreOptionsOf(spec: RestoreSessionSpec): RestoreOptions {
  return {
    filters: {
      includeNamespaces: spec.includeNamespaces,
      excludeNamespaces: spec.excludeNamespaces,
      includeResources: spec.includeResources,
      excludeResources: spec.excludeResources,
      labelSelector: spec.labelSelector,
      orLabelSelectors: spec.orLabelSelectors,
      ignoreGroupKinds: spec.ignoreGroupKinds,
    },
    namespaceMappings: new Map((spec.namespaceMappings ?? []).map((m) => [m.from, m.to])),
    existingResourcePolicy: spec.existingResourcePolicy,
    dryRun: spec.dryRun,
    skipOwned: spec.skipOwned,
    restoreStatus: spec.restoreStatus,
  };
}
