// The data of each queue's jobs. Producers and consumers are our own services, built from one
// checkout, so these are types; the consumers load the named objects and validate those.

/** kubedump-schedules: a BackupConfiguration or a Repository changed (upsert or remove its job scheduler). */
export interface ScheduleJob {
  namespace: string;
  name: string;
}

/** kubedump-ticks: a schedule slot of a BackupConfiguration came. */
export interface TickJob {
  namespace: string;
  name: string;
}

/** kubedump-backups: run one BackupSession (its uid is the job id). */
export interface BackupJob {
  namespace: string;
  name: string;
  uid: string;
}

/** kubedump-restores: run one RestoreSession (its uid is the job id). */
export interface RestoreJob {
  namespace: string;
  name: string;
  uid: string;
}

/** kubedump-verify: verify Repository `<namespace>/<name>` once (made by its job scheduler). */
export interface VerifyJob {
  namespace: string;
  name: string;
}
