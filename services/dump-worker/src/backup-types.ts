import type { BackupConfiguration, BackupSession } from "@kubedump/api";
import type { TakeSnapshotInput } from "@kubedump/dump";
import type { KubeClient } from "@kubedump/kube";
import type { Repository } from "@kubedump/repository";
import type { SnapshotManifest } from "@kubedump/repository/snapshot";
import type { Redis } from "ioredis";
import type { ConfigLock } from "./config-lock.js";
import type { RecordRetry } from "./record-retry.js";
import type { ValidRepository } from "./repositories.js";
import type { SessionRef } from "./session-status.js";

export interface BackupDeps {
  client: KubeClient;
  redis: Redis;
  /** Opens the repository a Repository object describes, with its Secret's data. */
  openRepository(repo: ValidRepository, namespace: string): Promise<Repository>;
  /** Applies the configuration's retention policy after a commit; returns what it removed and left locked. */
  applyRetention(repository: Repository, config: BackupConfiguration, now: Date): Promise<RetentionRun>;
  lockPrefix: string;
  lockTtlMs: number;
  scratchDir?: string;
  /** `retryForMs`: how long a push the gateway cannot take (its Redis down) is tried again. */
  metrics?: { gatewayUrl: string; token?: string; stashNames: boolean; retryForMs?: number };
  now?: () => Date;
  /** How the record step waits for an API server that is away (see record-retry.ts). */
  recordRetry?: RecordRetry;
}

/** What load found and run needs: the session, its configuration, the opened repository, the lock. */
export interface BackupWork {
  ref: SessionRef;
  session: BackupSession;
  config: BackupConfiguration;
  repository: Repository;
  /** The snapshot to take, its id fixed by the session (see snapshotIdFor). */
  snapshot: TakeSnapshotInput;
  /** When the session started: its status's startTime when an earlier attempt set it. */
  start: Date;
  /** Format 2: the repository's index cache in the scratch directory (scratch.ts's indexCacheDirOf). */
  indexCacheDir?: string;
  /** The configuration's lock; not acquired when another session holds it (the outcome is then Skipped). */
  lock: ConfigLock;
}

/** What a retention run removed, and the snapshots it dropped but left whole because S3 Object Lock retains them. */
export interface RetentionRun {
  removed: string[];
  locked: { id: string; retainUntil: string }[];
  /** Format 2: why the prune after the forget waits for a later run (the repository lock is held). */
  pruneDeferred?: string;
}

export type BackupOutcome =
  | { phase: "Skipped"; holder: string }
  | { phase: "Succeeded" | "PartiallySucceeded"; manifest: SnapshotManifest; retention: RetentionRun };
