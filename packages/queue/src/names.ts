/** The queues of DESIGN.md; the only place their names are spelled. */
export const QUEUES = {
  /**
   * watcher → scheduler: a BackupConfiguration changed (job SCHEDULE_JOBS.backup, id `<ns>/<name>`) or
   * a Repository did (job SCHEDULE_JOBS.verify, id `verify/<ns>/<name>`, see verifyScheduleJobId).
   */
  schedules: "kubedump-schedules",
  /** BullMQ job schedulers → scheduler: a schedule slot came. */
  ticks: "kubedump-ticks",
  /** watcher → dump-worker: run one BackupSession (job id: the session uid). */
  backups: "kubedump-backups",
  /** A Repository's job scheduler (id `<ns>/<name>`) → dump-worker: verify the repository once. */
  verify: "kubedump-verify",
  /** watcher → dump-worker: run one RestoreSession (job id: the session uid). */
  restores: "kubedump-restores",
} as const;

/** The names of kubedump-schedules jobs: which kind of object's job scheduler to sync. */
export const SCHEDULE_JOBS = {
  /** A BackupConfiguration's backup schedule (on kubedump-ticks). */
  backup: "sync",
  /** A Repository's verify schedule (on kubedump-verify). */
  verify: "sync-verify",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);
export const DEFAULT_QUEUE_PREFIX = "kubedump";

/** `<ns>/<name>`: the job id of a configuration's schedules job and the id of its job scheduler. */
export const configKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** The job id of a Repository's schedules job: apart from the configurations' ids, which have one `/`. */
export const verifyScheduleJobId = (namespace: string, name: string): string => `verify/${namespace}/${name}`;
