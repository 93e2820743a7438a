import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** The environment variable that sets `--cache-dir` when the flag is not given. */
export const CACHE_DIR_ENV = "KUBEDUMP_CACHE_DIR";

/** `--cache-dir`'s default: $KUBEDUMP_CACHE_DIR, else $XDG_CACHE_HOME/kubedump, else ~/.cache/kubedump. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env[CACHE_DIR_ENV] || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "kubedump");
}

/**
 * One repository's directory in the cache (format 2's index files and reuse tables), named for
 * where the repository is: `--repo` (a local path made absolute) or `--from-repository` and the
 * kubeconfig context it was read through.
 */
export function repositoryCacheDir(
  root: string,
  where: { repo: string; fromRepository?: string; context?: string },
): string {
  const repo = where.repo.includes("://") ? where.repo : resolve(where.repo);
  const identity = where.fromRepository ? ["from-repository", where.fromRepository, where.context ?? ""] : [repo];
  const key = createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 32);
  return join(root, "repositories", key);
}
