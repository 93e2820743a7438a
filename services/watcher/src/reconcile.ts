import {
  type Condition,
  ConditionReason,
  ConditionType,
  crPath,
  DEFAULT_RETRY_DELAY,
  parseDuration,
  setCondition,
  validateBackupConfiguration,
  validateRepository,
} from "@kubedump/api";
import { isNotFound, type KubeClient, type KubeObject, patchStatus, readSecret, recordEvent } from "@kubedump/kube";
import { type BackupJob, configKey, type Queue, type ScheduleJob } from "@kubedump/queue";
import type { Logger } from "@kubedump/service";
import { checkConfiguration, checkSecret } from "./checks.js";

export interface ReconcileDeps {
  client: KubeClient;
  schedules: Queue<ScheduleJob>;
  backups: Queue<BackupJob>;
  log: Logger;
  /** Opens a Repository's backend to prove it is reachable (and the password right). */
  probeRepository(
    repo: ReturnType<typeof validateRepository> & { ok: true },
    secret: Record<string, string>,
  ): Promise<void>;
}

type Status = { phase?: string; conditions?: Condition[] } & Record<string, unknown>;
const statusOf = (obj: KubeObject): Status => (obj.status as Status | undefined) ?? {};
const ns = (obj: KubeObject) => obj.metadata.namespace ?? "default";

/** Conditions compared without their transition times, so an unchanged status is never rewritten. */
function sameStatus(a: Status, b: Status): boolean {
  const strip = (s: Status) =>
    JSON.stringify([s.phase, (s.conditions ?? []).map(({ lastTransitionTime: _t, ...c }) => c)]);
  return strip(a) === strip(b);
}

/** Writes the status when it changed; a change to a phase other than Ready is also an Event. */
async function writeIfChanged(
  deps: ReconcileDeps,
  kind: "BackupConfiguration" | "Repository",
  obj: KubeObject,
  next: Status,
): Promise<void> {
  const prev = statusOf(obj);
  if (sameStatus(prev, next)) return;
  try {
    await patchStatus(deps.client, crPath(kind, ns(obj), obj.metadata.name), next);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const failing = next.conditions?.find((c) => c.status === "False");
  if (next.phase !== prev.phase && next.phase !== "Ready" && failing) {
    await recordEvent(deps.client, obj, {
      type: "Warning",
      reason: failing.reason,
      message: failing.message ?? "",
      component: "kubedump-watcher",
    }).catch((err: unknown) => deps.log.warn({ err: (err as Error).message }, "recording an Event failed"));
  }
}

/** Validates a BackupConfiguration, writes its phase and conditions, and asks the scheduler to sync it. */
export async function reconcileConfiguration(deps: ReconcileDeps, obj: KubeObject): Promise<void> {
  const check = await checkConfiguration(deps.client, obj);
  await writeIfChanged(deps, "BackupConfiguration", obj, { phase: check.phase, conditions: check.conditions });
  if (check.phase === "Invalid")
    deps.log.warn({ namespace: ns(obj), name: obj.metadata.name }, `BackupConfiguration is invalid: ${check.message}`);
  await enqueueSchedule(deps, ns(obj), obj.metadata.name);
}

export async function enqueueSchedule(deps: ReconcileDeps, namespace: string, name: string): Promise<void> {
  await deps.schedules.add(
    "sync",
    { namespace, name },
    { jobId: configKey(namespace, name), removeOnComplete: true, removeOnFail: 100 },
  );
}

/** A Pending (or new) BackupSession gets exactly one backups job, keyed by its uid. */
export async function reconcileSession(deps: ReconcileDeps, obj: KubeObject): Promise<void> {
  const phase = statusOf(obj).phase;
  if (phase && phase !== "Pending") return;
  const uid = obj.metadata.uid;
  if (!uid) return;
  if (!phase) await writeSessionPending(deps, obj);
  const invoker = (obj.spec as { invoker?: { name?: string } } | undefined)?.invoker?.name;
  const retry = invoker ? await retryOf(deps.client, ns(obj), invoker) : { maxRetry: 2, delay: DEFAULT_RETRY_DELAY };
  await deps.backups.add(
    "backup",
    { namespace: ns(obj), name: obj.metadata.name, uid },
    {
      jobId: uid,
      attempts: retry.maxRetry + 1,
      backoff: { type: "exponential", delay: parseDuration(retry.delay) },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 24 * 3600, count: 1000 },
    },
  );
}

async function writeSessionPending(deps: ReconcileDeps, obj: KubeObject): Promise<void> {
  try {
    await patchStatus(deps.client, crPath("BackupSession", ns(obj), obj.metadata.name), { phase: "Pending" });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

async function retryOf(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<{ maxRetry: number; delay: string }> {
  try {
    const v = validateBackupConfiguration(await client.get<unknown>(crPath("BackupConfiguration", namespace, name)));
    const rc = v.ok ? v.value.spec.retryConfig : undefined;
    return { maxRetry: rc?.maxRetry ?? 2, delay: rc?.delay ?? DEFAULT_RETRY_DELAY };
  } catch (err) {
    if (isNotFound(err)) return { maxRetry: 0, delay: DEFAULT_RETRY_DELAY }; // the worker fails it, naming the missing configuration
    throw err;
  }
}

/** Repository: its Secret has the keys the backend needs, and the backend answers. */
export async function reconcileRepository(deps: ReconcileDeps, obj: KubeObject): Promise<void> {
  const prev = statusOf(obj).conditions;
  const v = validateRepository(obj);
  if (!v.ok) {
    const message = v.errors.join("; ");
    await writeIfChanged(deps, "Repository", obj, {
      phase: "NotReady",
      conditions: setCondition(prev, {
        type: ConditionType.BackendReachable,
        status: "False",
        reason: ConditionReason.InvalidSpec,
        message,
      }),
    });
    return;
  }
  const secret = await checkSecret(deps.client, v.value);
  let conditions = setCondition(prev, {
    type: ConditionType.SecretFound,
    status: secret.ok ? "True" : "False",
    reason: secret.reason,
    message: secret.message,
  });
  let reachable = false;
  if (secret.ok) {
    const data = v.value.spec.storageSecretName
      ? ((await readSecret(deps.client, ns(obj), v.value.spec.storageSecretName)) ?? {})
      : {};
    try {
      await deps.probeRepository(v, data);
      reachable = true;
      conditions = setCondition(conditions, {
        type: ConditionType.BackendReachable,
        status: "True",
        reason: ConditionReason.BackendReachable,
        message: "the backend answered and repository.json is readable",
      });
    } catch (err) {
      const wrongPassword = (err as Error).name === "WrongPasswordError";
      conditions = setCondition(conditions, {
        type: ConditionType.BackendReachable,
        status: "False",
        reason: wrongPassword ? ConditionReason.WrongPassword : ConditionReason.BackendUnreachable,
        message: (err as Error).message,
      });
    }
  }
  await writeIfChanged(deps, "Repository", obj, { phase: secret.ok && reachable ? "Ready" : "NotReady", conditions });
}
