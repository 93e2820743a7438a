import { crPath, type KubedumpKind, resourceTypeOf } from "@kubedump/api";
import { isNotFound, type KubeClient, type KubeObject } from "@kubedump/kube";
import { configKey, type Job, type JobsOptions, type Queue } from "@kubedump/queue";

/** An object as it is now, or undefined when it is gone. */
export async function getCurrent(
  client: KubeClient,
  kind: KubedumpKind,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await client.get<KubeObject>(crPath(kind, namespace, name));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Calls of this process by key (`<queue>/<scheduler id>`): they run one after the other. */
const running = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` after every earlier call for `key` has settled. Upserting a job scheduler again and
 * again races in BullMQ (taskforcesh/bullmq#3381, #3085): in a CI run a configuration whose
 * scheduler was upserted every few seconds, twice at a time (the resync timer and the schedules
 * queue), never got its next job. So syncs of one scheduler never overlap.
 */
export function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = running.get(key) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(fn);
  running.set(key, run);
  void run
    .finally(() => {
      if (running.get(key) === run) running.delete(key);
    })
    .catch(() => {});
  return run;
}

/** The next slot's millis when the scheduler exists with this cron and zone and that slot's job is there to fire. */
async function nextWhenScheduled<T>(queue: Queue<T>, id: string, pattern: string, tz: string) {
  const current = await queue.getJobScheduler(id);
  if (!current || current.pattern !== pattern || (current.tz ?? "UTC") !== tz || current.next === undefined)
    return undefined;
  const job = await queue.getJob(`repeat:${id}:${current.next}`);
  const state = job ? await job.getState() : undefined;
  return state === "delayed" || state === "waiting" || state === "prioritized" ? current.next : undefined;
}

/**
 * Makes job scheduler `id` of `queue` fire on `pattern` in `tz` with `template`'s jobs. A scheduler
 * already in place (same cron and zone, its next job waiting) is left alone, so a sync that
 * changes nothing never replaces it. Resolves with the millis of the next slot.
 */
export async function ensureJobScheduler<T>(
  queue: Queue<T>,
  id: string,
  repeat: { pattern: string; tz: string },
  template: { name: string; data: T; opts?: Omit<JobsOptions, "jobId" | "repeat" | "delay"> },
): Promise<number> {
  const next = await nextWhenScheduled(queue, id, repeat.pattern, repeat.tz);
  if (next !== undefined) return next;
  // BullMQ types a job's name by the queue's data type, which is open here.
  const job = await (queue as Queue).upsertJobScheduler(id, repeat, template);
  // The slot BullMQ scheduled (prevMillis), so what is written about it is the same on every sync.
  return job ? slotMillis(job) : Date.now();
}

/** The slot a scheduler job stands for: BullMQ's `prevMillis`, else the millis in `repeat:<id>:<millis>`. */
export function slotMillis(job: Pick<Job, "id" | "opts" | "timestamp">): number {
  const prev = (job.opts as { prevMillis?: number }).prevMillis;
  if (typeof prev === "number") return prev;
  const fromId = Number(String(job.id).split(":").pop());
  return Number.isFinite(fromId) ? fromId : job.timestamp;
}

/**
 * Syncs the job scheduler of every object of `kind` (of one namespace, or all), then removes the
 * schedulers of `queue` (ids `<ns>/<name>`) that no object kept: those of deleted objects.
 */
export async function resyncJobSchedulers<T>(
  client: KubeClient,
  queue: Queue<T>,
  kind: KubedumpKind,
  namespace: string | undefined,
  sync: (namespace: string, name: string) => Promise<"scheduled" | "removed">,
): Promise<{ objects: number; scheduled: number }> {
  const rt = resourceTypeOf(kind);
  const path = namespace ? crPath(kind, namespace) : `${rt.apiPath}/${rt.resource}`;
  const list = await client.get<{ items: { metadata: { namespace: string; name: string } }[] }>(path);
  const keep = new Set<string>();
  for (const { metadata } of list.items) {
    if ((await sync(metadata.namespace, metadata.name)) === "scheduled")
      keep.add(configKey(metadata.namespace, metadata.name));
  }
  for (const s of await queue.getJobSchedulers()) {
    if (s.key && !keep.has(s.key)) await queue.removeJobScheduler(s.key);
  }
  return { objects: list.items.length, scheduled: keep.size };
}
