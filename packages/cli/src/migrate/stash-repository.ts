import { API_VERSION } from "@kubedump/api";
import { type Fields, isRecord, migratedMetadata, otherKeys, str } from "./objects.js";
import type { FindingKind } from "./report.js";
import { convertBackend } from "./stash-backend.js";
import type { Obj } from "./stash-input.js";
import { planSecret } from "./stash-secret.js";

type Note = (kind: FindingKind, field: string | undefined, message: string) => void;

export interface RepositoryContext {
  secrets: readonly Obj[];
  includeSecrets: boolean;
}

export interface ConvertedRepository {
  repository: Fields;
  secret?: Fields;
}

const NOT_CARRIED: Record<string, string> = {
  usagePolicy: "a kubedump BackupConfiguration uses Repositories of its own namespace only",
};

/**
 * A Stash Repository as a kubedump Repository in `namespace` (the BackupConfiguration's), with the
 * storage Secret planned by planSecret; undefined when its backend has no kubedump equivalent.
 */
export function convertRepository(
  stash: Obj,
  namespace: string | undefined,
  ctx: RepositoryContext,
  note: Note,
): ConvertedRepository | undefined {
  const spec = isRecord(stash.spec) ? stash.spec : {};
  const backendSpec = isRecord(spec.backend) ? spec.backend : {};
  const converted = convertBackend(backendSpec, note);
  if (!converted) return undefined;
  note("note", undefined, `Stash's snapshots stay in the restic repository (${converted.stashLocation})`);
  if (spec.wipeOut === true)
    note(
      "not carried",
      "spec.wipeOut",
      "kubedump never deletes a repository's data when its Repository is deleted; remove the prefix yourself",
    );
  for (const key of otherKeys(spec, ["backend", "wipeOut"]))
    note("not carried", `spec.${key}`, NOT_CARRIED[key] ?? "no kubedump equivalent");
  const out: Fields = { backend: converted.backend };
  const secretName = str(backendSpec.storageSecretName);
  let secret: Fields | undefined;
  if (secretName) {
    const plan = planSecret(
      {
        stashRepo: stash,
        secretName,
        namespace,
        secrets: ctx.secrets,
        includeSecrets: ctx.includeSecrets,
        provider: converted.provider,
      },
      note,
    );
    out.storageSecretName = plan.name;
    secret = plan.secret;
  }
  const repository: Fields = {
    apiVersion: API_VERSION,
    kind: "Repository",
    metadata: migratedMetadata(stash, String(stash.metadata?.name), namespace),
    spec: out,
  };
  return secret ? { repository, secret } : { repository };
}
