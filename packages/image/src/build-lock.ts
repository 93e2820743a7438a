// One build at a time per cache directory (apt refuses to share its lists, and two builds of the
// same layers would only do the work twice). A lock left by a process that died is taken over.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** The pid written in the lock; 0 while its holder has not written it yet (or just removed it). */
function holderOf(lock: string): number {
  try {
    return Number(readFileSync(join(lock, "pid"), "utf8")) || 0;
  } catch {
    return 0;
  }
}

/** Runs `fn` holding the lock of `cacheDir`, waiting up to `waitMs` for another build to finish. */
export async function withBuildLock<T>(cacheDir: string, fn: () => Promise<T>, waitMs = 20 * 60_000): Promise<T> {
  const lock = join(cacheDir, "lock");
  mkdirSync(cacheDir, { recursive: true });
  for (const deadline = Date.now() + waitMs; ; ) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = holderOf(lock);
      const orphan =
        holder === 0 && Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 60_000;
      if ((holder && !alive(holder)) || orphan) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lock}: still held by process ${holder} after ${waitMs} ms`);
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
