import {
  type BackupConfiguration,
  ConditionReason,
  ConditionType,
  crPath,
  newBackupSession,
  setCondition,
  validateBackupConfiguration,
} from "@kubedump/api";
import { isAlreadyExists, type KubeClient, patchStatus } from "@kubedump/kube";
import { configKey, type Job, type Queue, QUEUES, type TickJob } from "@kubedump/queue";
import type { Logger } from "@kubedump/service";
import { ensureJobScheduler, getCurrent, resyncJobSchedulers, serialised, slotMillis } from "./job-schedulers.js";

export interface ScheduleDeps {
  client: KubeClient;
  ticks: Queue<TickJob>;
  log: Logger;
  now?: () => Date;
}

/**
 * Level-triggered: reads the configuration as it is now and makes its job scheduler on
 * kubedump-ticks match — upserted for a valid, unpaused spec (cron + time zone), removed
 * otherwise. Safe to repeat; calls for one configuration run one after the other (see serialised).
 */
export function syncSchedule(deps: ScheduleDeps, namespace: string, name: string): Promise<"scheduled" | "removed"> {
  const key = configKey(namespace, name);
  return serialised(`${QUEUES.ticks}/${key}`, () => syncScheduleNow(deps, key, namespace, name));
}

async function syncScheduleNow(
  deps: ScheduleDeps,
  key: string,
  namespace: string,
  name: string,
): Promise<"scheduled" | "removed"> {
  const obj = await getCurrent(deps.client, "BackupConfiguration", namespace, name);
  const valid = obj ? validateBackupConfiguration(obj) : undefined;
  if (!obj || !valid?.ok || valid.value.spec.paused) {
    await deps.ticks.removeJobScheduler(key);
    if (obj && valid?.ok) await writeScheduled(deps, valid.value, false, "the configuration is paused");
    deps.log.info(
      { namespace, name },
      obj ? "job scheduler removed (paused or invalid)" : "job scheduler removed (configuration deleted)",
    );
    return "removed";
  }
  const spec = valid.value.spec;
  const tz = spec.timeZone ?? "UTC";
  const nextMillis = await ensureJobScheduler(
    deps.ticks,
    key,
    { pattern: spec.schedule, tz },
    { name: "tick", data: { namespace, name }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  await writeScheduled(deps, valid.value, true, `schedule "${spec.schedule}" in ${tz}`, new Date(nextMillis));
  deps.log.info(
    { namespace, name, schedule: spec.schedule, next: new Date(nextMillis).toISOString() },
    "job scheduler in place",
  );
  return "scheduled";
}

async function writeScheduled(
  deps: ScheduleDeps,
  config: BackupConfiguration,
  on: boolean,
  message: string,
  next?: Date,
): Promise<void> {
  const conditions = setCondition(
    config.status?.conditions,
    {
      type: ConditionType.Scheduled,
      status: on ? "True" : "False",
      reason: on ? ConditionReason.SchedulerCreated : ConditionReason.Paused,
      message,
    },
    deps.now?.(),
  );
  const status: Record<string, unknown> = {
    conditions,
    nextScheduleTime: next ? next.toISOString().replace(/\.\d{3}Z$/, "Z") : null,
  };
  await patchStatus(
    deps.client,
    crPath("BackupConfiguration", config.metadata.namespace ?? "default", config.metadata.name),
    status,
  );
}

/**
 * Reconciles every configuration's job scheduler (of one namespace, or all): each is upserted or
 * removed as its configuration says, and schedulers whose configuration is gone are removed.
 */
export async function resyncSchedules(deps: ScheduleDeps, namespace?: string): Promise<void> {
  const sync = (ns: string, name: string) => syncSchedule(deps, ns, name);
  const { objects, scheduled } = await resyncJobSchedulers(
    deps.client,
    deps.ticks,
    "BackupConfiguration",
    namespace,
    sync,
  );
  deps.log.info({ configurations: objects, scheduled }, "resynced job schedulers");
}

/**
 * The tick worker's processor, the edge of a tick: a tick that fails (its BackupSession may not
 * exist: a missed backup) is logged here, once, with the configuration and the slot, and fails the
 * job in BullMQ, which logs nothing itself.
 */
export async function runTick(deps: ScheduleDeps, job: Job<TickJob>): Promise<string | undefined> {
  try {
    return await handleTick(deps, job);
  } catch (err) {
    const { namespace, name } = job.data;
    const slot = slotMillis(job);
    deps.log.error(
      { err, namespace, name, slot: new Date(slot).toISOString(), session: sessionName(name, slot) },
      "schedule tick failed: the backup of this slot is missed unless its BackupSession was created",
    );
    throw err;
  }
}

/** A scheduled session's name: `<config>-<slot unix seconds>`, the same for every tick of one slot. */
const sessionName = (config: string, slot: number) => `${config}-${Math.floor(slot / 1000)}`;

/** A slot came: create BackupSession `<config>-<slot unix seconds>` (AlreadyExists: done). */
async function handleTick(deps: ScheduleDeps, job: Job<TickJob>): Promise<string | undefined> {
  const { namespace, name } = job.data;
  const slot = slotMillis(job);
  const obj = await getCurrent(deps.client, "BackupConfiguration", namespace, name);
  const valid = obj ? validateBackupConfiguration(obj) : undefined;
  if (!obj || !valid?.ok || valid.value.spec.paused) return undefined;
  const session = sessionName(name, slot);
  try {
    await deps.client.create(
      crPath("BackupSession", namespace),
      newBackupSession({ name, namespace, uid: obj.metadata.uid }, session),
    );
    deps.log.info({ namespace, name, session }, "BackupSession created for the schedule slot");
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  await patchStatus(deps.client, crPath("BackupConfiguration", namespace, name), {
    lastScheduleTime: new Date(slot).toISOString().replace(/\.\d{3}Z$/, "Z"),
  });
  return session;
}
