import { createHash } from "node:crypto";
import { mkdir, readdir, rm, stat, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * This replica's own directory below SCRATCH_DIR, named for it (POD_NAME, else host and pid). A
 * worker killed mid-backup (OOMKilled, SIGKILL) leaves its spooled parts behind; the restarted
 * container has the same pod name and the same emptyDir, and empties the directory before it
 * takes work (emptyScratchDir), so leftovers never pile up until the emptyDir's sizeLimit evicts
 * the pod. Replicas that share a SCRATCH_DIR never touch each other's directories.
 */
export function scratchDirOf(root: string, identity: string): string {
  return join(root, `dump-worker-${identity.replace(/[^A-Za-z0-9._-]/g, "_")}`);
}

/**
 * Where one repository's format-2 index files are cached in the scratch directory, across the
 * backups of this process (index-loader.ts): one directory per Repository object and backend
 * (`identity`, hashed), so that one repository's load never drops another's files. Sessions of one
 * repository at once share it (the loader writes each file under a temporary name, then renames).
 */
export function indexCacheDirOf(scratchDir: string, identity: readonly unknown[]): string {
  const key = createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 32);
  return join(scratchDir, "index-cache", key);
}

/** An index cache no backup of this process has used for this long is removed. @defaultValue 24 hours */
export const INDEX_CACHE_IDLE_MS = 24 * 3_600_000;

/**
 * Marks index cache `dir` used (its modification time) and removes its siblings unused for
 * INDEX_CACHE_IDLE_MS (a Repository deleted or pointed elsewhere), so that they do not fill the
 * scratch directory until the worker restarts. A cache removed under a running backup is only
 * read again: the loader makes its directory when it writes.
 */
export async function useIndexCache(dir: string, now = new Date()): Promise<void> {
  await mkdir(dir, { recursive: true });
  await utimes(dir, now, now);
  for (const name of await readdir(dirname(dir))) {
    const path = join(dirname(dir), name);
    const used = path === dir ? undefined : (await stat(path).catch(() => undefined))?.mtimeMs;
    if (used !== undefined && used < now.getTime() - INDEX_CACHE_IDLE_MS)
      await rm(path, { recursive: true, force: true });
  }
}

/** Removes what an earlier process of this replica left in its scratch directory, and makes it. */
export async function emptyScratchDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}

/** The scratch directory ran out of space (ENOSPC) while parts were spooled there. */
export class ScratchFullError extends Error {
  override name = "ScratchFullError";
}

function isNoSpace(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if ((e as NodeJS.ErrnoException).code === "ENOSPC") return true;
  }
  return false;
}

/** A ScratchFullError naming `dir` when ENOSPC is anywhere in the error's causes; else the error itself. */
export function explainScratchFull(err: unknown, dir: string): unknown {
  if (!isNoSpace(err)) return err;
  return new ScratchFullError(
    `the scratch directory ${dir} is full (no space left on device): give SCRATCH_DIR more room ` +
      "(the Helm value dumpWorker.scratch.sizeLimit) or back up less at once",
    { cause: err },
  );
}
