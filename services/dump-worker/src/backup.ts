import { createHash } from "node:crypto";
import {
  type BackupConfiguration,
  type BackupSession,
  ConditionReason,
  ConditionType,
  crPath,
  FINISHED_BACKUP_SESSION_PHASES,
  formatBytes,
  parseDuration,
  parseTaskParams,
  validateBackupConfiguration,
  validateBackupSession,
  validateRepository,
} from "@kubedump/api";
import { dumpOptionsOf, scopeOf, takeSnapshot } from "@kubedump/dump";
import { isNotFound, type KubeClient } from "@kubedump/kube";
import { type BackupJob, InvalidSpecError, type Job, UnrecoverableError } from "@kubedump/queue";
import { type Repository, SnapshotExistsError } from "@kubedump/repository";
import { newSnapshotId, type SnapshotManifest } from "@kubedump/repository/snapshot";
import type { Logger } from "@kubedump/service";
import type { Redis } from "ioredis";
import { acquireConfigLock } from "./config-lock.js";
import { type BackupOutcome, reportMetrics } from "./report-metrics.js";
import { updateRepositoryStatus } from "./repository-status.js";
import { finishedAt, isoSeconds, type SessionRef, writeSessionStatus } from "./session-status.js";

export interface BackupDeps {
  client: KubeClient;
  redis: Redis;
  log: Logger;
  /** Opens the repository a Repository object describes, with its Secret's data. */
  openRepository(repo: ReturnType<typeof validateRepository> & { ok: true }, namespace: string): Promise<Repository>;
  /** Applies the configuration's retention policy after a commit; returns the ids removed. */
  applyRetention(repository: Repository, config: BackupConfiguration, now: Date): Promise<string[]>;
  lockPrefix: string;
  lockTtlMs: number;
  scratchDir?: string;
  metrics?: { gatewayUrl: string; token?: string; stashNames: boolean };
  now?: () => Date;
}

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

/** One BackupSession: Running → dump → commit → retention → statuses → metrics. */
export async function processBackup(deps: BackupDeps, job: Job<BackupJob>): Promise<string> {
  const now = deps.now ?? (() => new Date());
  const ref: SessionRef = { namespace: job.data.namespace, name: job.data.name };
  const log = deps.log.child({ namespace: ref.namespace, session: ref.name, jobId: job.id });
  const session = await getSession(deps.client, ref);
  if (!session) return "gone";
  const phase = session.status?.phase;
  if (phase && (FINISHED_BACKUP_SESSION_PHASES as readonly string[]).includes(phase)) return phase;
  const configName = session.spec.invoker.name;
  const start = session.status?.startTime ? new Date(session.status.startTime) : now();
  const fail = async (message: string, reason: string, outcome?: Partial<BackupOutcome>) => {
    await writeSessionStatus(
      deps.client,
      ref,
      { phase: "Failed", startTime: isoSeconds(start), ...finishedAt(start, now()) },
      {
        previous: session.status?.conditions,
        next: { type: ConditionType.SnapshotCommitted, status: "False", reason, message },
      },
    );
    if (deps.metrics)
      await reportMetrics(deps, log, { ...ref, configName, success: false, start, end: now(), ...outcome });
    log.error({ reason }, `backup failed: ${message}`);
  };
  try {
    const config = await getConfig(deps.client, ref.namespace, configName);
    const lock = await acquireConfigLock(
      deps.redis,
      `${deps.lockPrefix}:lock:${ref.namespace}/${configName}`,
      session.metadata.uid ?? ref.name,
      deps.lockTtlMs,
    );
    if (!lock.acquired) {
      await writeSessionStatus(
        deps.client,
        ref,
        { phase: "Skipped", ...finishedAt(start, now()) },
        {
          previous: session.status?.conditions,
          next: {
            type: ConditionType.SnapshotCommitted,
            status: "False",
            reason: ConditionReason.AnotherBackupRunning,
            message: `another backup of BackupConfiguration ${ref.namespace}/${configName} is running (BackupSession uid ${lock.holder})`,
          },
        },
      );
      log.info("skipped: another backup of the same configuration is running");
      return "Skipped";
    }
    try {
      await writeSessionStatus(deps.client, ref, { phase: "Running", startTime: isoSeconds(start) });
      const result = await runBackup(deps, log, session, config, start, now);
      return result;
    } finally {
      await lock.release().catch(() => {});
    }
  } catch (err) {
    const message = (err as Error).message;
    const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (final) {
      await fail(message, err instanceof TimeoutError ? ConditionReason.TimedOut : ConditionReason.BackupFailed).catch(
        (e: unknown) => log.error({ err: e }, "writing the Failed status failed"),
      );
    } else log.warn({ attempt: job.attemptsMade + 1 }, `backup attempt failed, will retry: ${message}`);
    throw err;
  }
}

class TimeoutError extends UnrecoverableError {
  override name = "TimeoutError";
}

async function runBackup(
  deps: BackupDeps,
  log: Logger,
  session: BackupSession,
  config: BackupConfiguration,
  start: Date,
  now: () => Date,
): Promise<string> {
  const ns = session.metadata.namespace ?? "default";
  const ref = { namespace: ns, name: session.metadata.name ?? "" };
  const repoName = config.spec.repository.name;
  const repoObj = validateRepository(
    await getOrInvalid(
      deps.client,
      crPath("Repository", ns, repoName),
      `spec.repository.name: Repository ${ns}/${repoName} not found`,
    ),
  );
  if (!repoObj.ok) throw new InvalidSpecError(`Repository ${ns}/${repoName}: ${repoObj.errors.join("; ")}`);
  const repository = await deps.openRepository(repoObj, ns);
  const params = parseTaskParams(config.spec.task?.params);
  if (!params.ok) throw new InvalidSpecError(params.errors.join("; "));
  const ref0 = config.spec.target?.ref;
  const target = ref0
    ? { ...ref0, namespace: ref0.namespace ?? (ref0.kind === "Namespace" ? undefined : ns) }
    : undefined;
  const options = dumpOptionsOf(params.value, scopeOf(target, params.value.includeDependants));
  const id = snapshotIdFor(session);
  const timeoutMs = config.spec.timeOut ? parseDuration(config.spec.timeOut) : undefined;
  const abort = new AbortController();
  const timer = timeoutMs
    ? setTimeout(
        () => abort.abort(new TimeoutError(`the backup did not finish within timeOut ${config.spec.timeOut}`)),
        timeoutMs,
      )
    : undefined;
  let manifest: SnapshotManifest;
  try {
    manifest = (
      await takeSnapshot(
        { client: deps.client, repository, scratchDir: deps.scratchDir, signal: abort.signal },
        {
          options,
          id,
          gzipLevel: params.value.gzipLevel,
          params: Object.fromEntries((config.spec.task?.params ?? []).map((p) => [p.name, p.value])),
          source: {
            kind: "BackupSession",
            namespace: ns,
            name: ref.name,
            invoker: `BackupConfiguration/${session.spec.invoker.name}`,
          },
        },
      )
    ).manifest;
  } catch (err) {
    if (!(err instanceof SnapshotExistsError)) throw abort.signal.aborted ? abort.signal.reason : err;
    manifest = await repository.getSnapshot(id); // committed by a worker that died before writing status
  } finally {
    clearTimeout(timer);
  }
  log.info({ snapshot: manifest.id, objects: manifest.objects }, "snapshot committed");
  const removed = await deps.applyRetention(repository, config, now());
  const totals = await updateRepositoryStatus(
    deps.client,
    repository,
    { namespace: ns, name: repoName },
    removed.length,
  );
  const phase = manifest.warnings.length ? "PartiallySucceeded" : "Succeeded";
  const end = now();
  await writeSessionStatus(
    deps.client,
    ref,
    {
      phase,
      startTime: isoSeconds(start),
      ...finishedAt(start, end),
      warnings: manifest.warnings,
      snapshot: {
        id: manifest.id,
        objects: manifest.objects,
        totalSize: formatBytes(manifest.bytes),
        uploaded: formatBytes(manifest.storedBytes),
      },
    },
    {
      previous: session.status?.conditions,
      next: {
        type: ConditionType.SnapshotCommitted,
        status: "True",
        reason: ConditionReason.SnapshotCommitted,
        message: `snapshot ${manifest.id}: ${manifest.objects} objects`,
      },
    },
  );
  if (deps.metrics) {
    await reportMetrics(deps, log, {
      ...ref,
      configName: config.metadata.name ?? "",
      repository: repoName,
      success: true,
      start,
      end,
      objects: manifest.objects,
      bytes: manifest.bytes,
      uploaded: manifest.storedBytes,
      snapshotCount: totals.snapshotCount,
      repositoryBytes: totals.totalSizeBytes,
      cleaned: removed.length,
    });
  }
  return phase;
}

async function getSession(client: KubeClient, ref: SessionRef): Promise<BackupSession | undefined> {
  try {
    const v = validateBackupSession(await client.get<unknown>(crPath("BackupSession", ref.namespace, ref.name)));
    if (!v.ok) throw new InvalidSpecError(`BackupSession ${ref.namespace}/${ref.name}: ${v.errors.join("; ")}`);
    return v.value;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function getConfig(client: KubeClient, namespace: string, name: string): Promise<BackupConfiguration> {
  const obj = await getOrInvalid(
    client,
    crPath("BackupConfiguration", namespace, name),
    `spec.invoker.name: BackupConfiguration ${namespace}/${name} not found`,
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
