import { resolve } from "node:path";
import { createLocalObjectStore, openRepository, type Repository } from "@kubedump/repository";
import { UsageError } from "./target.js";

export const DEFAULT_REPO = "./kubedump-backups";

/** `--repo <dir>` (a local directory). */
export async function openRepoFromUrl(repo: string): Promise<Repository> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo)) {
    throw new UsageError(`--repo "${repo}": only local directories are supported by this build`);
  }
  return openRepository({ store: createLocalObjectStore({ root: resolve(repo) }) });
}
