/** The queues of DESIGN.md; the only place their names are spelled. */
export const QUEUES = {
  /** watcher → scheduler: a BackupConfiguration changed (job id `<ns>/<name>`). */
  schedules: "kubedump-schedules",
  /** BullMQ job schedulers → scheduler: a schedule slot came. */
  ticks: "kubedump-ticks",
  /** watcher → dump-worker: run one BackupSession (job id: the session uid). */
  backups: "kubedump-backups",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);
export const DEFAULT_QUEUE_PREFIX = "kubedump";

/** `<ns>/<name>`: the job id of a configuration's schedules job and the id of its job scheduler. */
export const configKey = (namespace: string, name: string): string => `${namespace}/${name}`;
