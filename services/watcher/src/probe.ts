import { createHash } from "node:crypto";
import type { validateRepository } from "@kubedump/api";
import { type CredentialProvider, openRepositoryFromBackend } from "@kubedump/repository";

type ValidRepository = ReturnType<typeof validateRepository> & { ok: true };

/** Opens a Repository's backend to prove it is reachable (and the password right); throws otherwise. */
export type RepositoryProbe = (repo: ValidRepository, secret: Record<string, string>) => Promise<void>;

/** How long a successful probe of an unchanged Repository and Secret stands (opening costs a KDF run). */
export const PROBE_TTL_MS = 5 * 60_000;

/**
 * Opens the backend the way a backup will: reachable, repository.json readable, password right.
 * A success is remembered for PROBE_TTL_MS while the Repository's spec and its Secret are unchanged.
 * `credentials`: the watcher's AWS chain, for a Secret without keys.
 */
export function createRepositoryProbe(now: () => number = Date.now, credentials?: CredentialProvider): RepositoryProbe {
  const ok = new Map<string, number>();
  return async (repo: ValidRepository, secret: Record<string, string>): Promise<void> => {
    const key = createHash("sha256")
      .update(JSON.stringify([repo.value.metadata.uid, repo.value.spec, secret]))
      .digest("hex");
    const at = ok.get(key);
    if (at !== undefined && now() - at < PROBE_TTL_MS) return;
    const { namespace, name } = repo.value.metadata;
    const repository = await openRepositoryFromBackend({
      backend: repo.value.spec.backend,
      secret,
      credentials,
      label: `Repository ${namespace ?? "default"}/${name}`,
    });
    // Reachability and credentials: a damaged snapshot.json is the verify job's to report, not a reason to stop backups.
    await repository.scanSnapshots();
    for (const [k, t] of ok) if (now() - t >= PROBE_TTL_MS) ok.delete(k);
    ok.set(key, now());
  };
}
