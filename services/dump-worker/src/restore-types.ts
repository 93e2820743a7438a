import type { RestoreSession } from "@kubedump/api";
import type { Repository } from "@kubedump/repository";
import type { RestoreOptions, RestoreReport } from "@kubedump/restore";
import type { BackupDeps } from "./backup-types.js";
import type { SessionRef } from "./session-status.js";

/** What a restore job needs: the API server (read and written), the repository opener, the metrics gateway, a clock, the record step's wait for the API server. */
export type RestoreJobDeps = Pick<BackupDeps, "client" | "openRepository" | "metrics" | "now" | "recordRetry">;

/** What load found and run needs. */
export interface RestoreWork {
  ref: SessionRef;
  session: RestoreSession;
  repository: Repository;
  /** The session's spec.repository.name. */
  repositoryName: string;
  /** The snapshot to restore, `latest` resolved. */
  snapshotId: string;
  options: RestoreOptions;
  start: Date;
}

export interface RestoreOutcome {
  /** Succeeded: no object failed; PartiallySucceeded: some did (see the report). */
  phase: "Succeeded" | "PartiallySucceeded";
  report: RestoreReport;
  /** status.progress at the end: the engine's last figures (see createProgressWriter). */
  progress?: Record<string, unknown>;
}
