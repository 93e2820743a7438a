import type { Repository as RepositoryObject, VerifySpec } from "@kubedump/api";
import type { Repository } from "@kubedump/repository";
import type { BackupDeps } from "./backup-types.js";

/** What a verify job needs: the API server, the repository opener, the metrics gateway, a clock. */
export type VerifyDeps = Pick<BackupDeps, "client" | "openRepository" | "metrics" | "now">;

/** What load found and run needs. */
export interface VerifyWork {
  ref: { namespace: string; name: string };
  /** The Repository object, as validated. */
  object: RepositoryObject;
  verify: VerifySpec;
  repository: Repository;
  /** Decides which snapshots this run reads in full: the job's id, the same for each attempt of one slot. */
  seed: string;
}

import type { DamagedSnapshot } from "@kubedump/repository";

export type { DamagedSnapshot };

export interface VerifyOutcome {
  /** Intact: no damage found, status.integrity true. Damaged: at least one snapshot damaged. */
  phase: "Intact" | "Damaged";
  /** Committed snapshots checked. */
  snapshots: number;
  /** Of those, the ones whose data was read in full (format 1). */
  read: number;
  /** Format 2: the packs read in full, of all (snapshots share them; the others are checked by size). */
  packs?: { read: number; total: number };
  damaged: DamagedSnapshot[];
}
