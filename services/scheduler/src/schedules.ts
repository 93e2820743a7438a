import {
  type BackupConfiguration,
  ConditionReason,
  ConditionType,
  crPath,
  newBackupSession,
  resourceTypeOf,
  setCondition,
  validateBackupConfiguration,
} from "@kubedump/api";
import { isAlreadyExists, isNotFound, type KubeClient, type KubeObject, patchStatus } from "@kubedump/kube";
import { configKey, type Job, type Queue, type TickJob } from "@kubedump/queue";
import type { Logger } from "@kubedump/service";

export interface ScheduleDeps {
  client: KubeClient;
  ticks: Queue<TickJob>;
  log: Logger;
  now?: () => Date;
}

/** Current spec of a BackupConfiguration, or undefined when it is gone. */
async function getConfig(client: KubeClient, namespace: string, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get<KubeObject>(crPath("BackupConfiguration", namespace, name));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** syncSchedule calls of this process, by configuration: they run one after the other. */
const syncing = new Map<string, Promise<unknown>>();

/**
 * Level-triggered: reads the configuration as it is now and makes its job scheduler match —
 * upserted for a valid, unpaused spec (cron + time zone), removed otherwise. Safe to repeat.
 *
 * Upserting a job scheduler again and again races in BullMQ (taskforcesh/bullmq#3381, #3085):
 * in a CI run a configuration whose scheduler was upserted every few seconds, twice at a time
 * (the resync timer and the schedules queue), never got its next job. So calls for one
 * configuration are serialised here, and a scheduler that already has this cron, this time zone
 * and its next job waiting is left alone.
 */
export function syncSchedule(deps: ScheduleDeps, namespace: string, name: string): Promise<"scheduled" | "removed"> {
  const key = configKey(namespace, name);
  const previous = syncing.get(key) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(() => syncScheduleNow(deps, key, namespace, name));
  syncing.set(key, run);
  void run
    .finally(() => {
      if (syncing.get(key) === run) syncing.delete(key);
    })
    .catch(() => {});
  return run;
}

/** Whether the scheduler exists with this cron and zone, and the job of its next slot is there to fire. */
async function isScheduled(
  ticks: Queue<TickJob>,
  key: string,
  pattern: string,
  tz: string,
): Promise<number | undefined> {
  const current = await ticks.getJobScheduler(key);
  if (!current || current.pattern !== pattern || (current.tz ?? "UTC") !== tz || current.next === undefined)
    return undefined;
  const job = await ticks.getJob(`repeat:${key}:${current.next}`);
  const state = job ? await job.getState() : undefined;
  return state === "delayed" || state === "waiting" || state === "prioritized" ? current.next : undefined;
}

async function syncScheduleNow(
  deps: ScheduleDeps,
  key: string,
  namespace: string,
  name: string,
): Promise<"scheduled" | "removed"> {
  const obj = await getConfig(deps.client, namespace, name);
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
  let nextMillis = await isScheduled(deps.ticks, key, spec.schedule, tz);
  if (nextMillis === undefined) {
    const next = await deps.ticks.upsertJobScheduler(
      key,
      { pattern: spec.schedule, tz },
      { name: "tick", data: { namespace, name }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
    // The slot BullMQ scheduled (prevMillis), so the status written is the same on every sync.
    nextMillis = next ? slotMillis(next) : Date.now();
  }
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
  const rt = resourceTypeOf("BackupConfiguration");
  const path = namespace ? crPath("BackupConfiguration", namespace) : `${rt.apiPath}/${rt.resource}`;
  const list = await deps.client.get<{ items: { metadata: { namespace: string; name: string } }[] }>(path);
  const keep = new Set<string>();
  for (const { metadata } of list.items) {
    if ((await syncSchedule(deps, metadata.namespace, metadata.name)) === "scheduled")
      keep.add(configKey(metadata.namespace, metadata.name));
  }
  for (const s of await deps.ticks.getJobSchedulers()) {
    if (s.key && !keep.has(s.key)) await deps.ticks.removeJobScheduler(s.key);
  }
  deps.log.info({ configurations: list.items.length, scheduled: keep.size }, "resynced job schedulers");
}

/** The slot a scheduler job stands for: BullMQ's `prevMillis`, else the millis in `repeat:<id>:<millis>`. */
export function slotMillis(job: Pick<Job, "id" | "opts" | "timestamp">): number {
  const prev = (job.opts as { prevMillis?: number }).prevMillis;
  if (typeof prev === "number") return prev;
  const fromId = Number(String(job.id).split(":").pop());
  return Number.isFinite(fromId) ? fromId : job.timestamp;
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
  const obj = await getConfig(deps.client, namespace, name);
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
