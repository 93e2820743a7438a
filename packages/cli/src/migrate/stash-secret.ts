import { SECRET_KEYS } from "@kubedump/repository";
import { type Fields, isRecord, migratedMetadata, qualified } from "./objects.js";
import type { FindingKind } from "./report.js";
import type { Obj } from "./stash-input.js";

type Note = (kind: FindingKind, field: string | undefined, message: string) => void;

/** What the name of a copied Secret gets, so that Stash's own Secret is never replaced. */
export const SECRET_SUFFIX = "-kubedump";

/** Stash's storage Secret keys kubedump reads, and their name in a copied Secret. */
const CARRIED: Record<string, string> = {
  [SECRET_KEYS.accessKey]: SECRET_KEYS.accessKey,
  [SECRET_KEYS.secretKey]: SECRET_KEYS.secretKey,
  [SECRET_KEYS.caCert]: SECRET_KEYS.caCert,
  [SECRET_KEYS.passwordAlias]: SECRET_KEYS.password,
};

const GOOGLE_KEYS = new Set(["GOOGLE_PROJECT_ID", "GOOGLE_SERVICE_ACCOUNT_JSON_KEY"]);

export const RESTIC_NOTE =
  `${SECRET_KEYS.passwordAlias} becomes the encryption password of the new kubedump repository; it does not ` +
  "decrypt Stash's restic data (kubedump has its own format), and Stash's backups stay readable only with restic";

export interface SecretPlan {
  /** The Secret the kubedump Repository names. */
  name: string;
  /** The copied Secret, when asked for and found. */
  secret?: Fields;
}

export interface SecretPlanInput {
  stashRepo: Obj;
  /** spec.backend.storageSecretName of the Stash Repository. */
  secretName: string;
  /** Where the kubedump Repository goes. */
  namespace: string | undefined;
  /** The Secrets of the input. */
  secrets: readonly Obj[];
  includeSecrets: boolean;
  /** Stash's backend: s3 and gcs need S3 keys, local only a password. */
  provider: "s3" | "gcs" | "local";
}

/** Keys of a Secret (data and stringData), never their values. */
function keysOf(secret: Obj): string[] {
  const keys = new Set<string>();
  for (const field of ["data", "stringData"])
    if (isRecord(secret[field])) for (const k of Object.keys(secret[field])) keys.add(k);
  return [...keys];
}

/**
 * Which Secret the kubedump Repository names: Stash's own (kubedump reads its keys as they are)
 * unless `includeSecrets` asks for a copy, `<name>-kubedump`, with RESTIC_PASSWORD renamed to
 * ENCRYPTION_PASSWORD and the keys kubedump does not read left out. Findings name keys only.
 */
export function planSecret(input: SecretPlanInput, note: Note): SecretPlan {
  const { stashRepo, secretName, namespace, includeSecrets } = input;
  const stashNs = typeof stashRepo.metadata?.namespace === "string" ? stashRepo.metadata.namespace : undefined;
  const found = input.secrets.find((s) => s.metadata?.name === secretName && s.metadata?.namespace === stashNs);
  const keys = found ? keysOf(found) : undefined;
  const field = "spec.backend.storageSecretName";
  if (keys) reportKeys(keys, input.provider, note);
  else note("note", field, `Secret ${qualified(stashNs, secretName)} is not in the input: its keys were not checked`);
  if (!keys || keys.includes(SECRET_KEYS.passwordAlias)) note("note", field, RESTIC_NOTE);
  if (!includeSecrets) {
    if (stashNs !== namespace)
      note(
        "action",
        field,
        `copy Secret ${qualified(stashNs, secretName)} into namespace ${namespace ?? "(the current one)"}: kubedump reads a Repository's Secret from the Repository's namespace (or run with --include-secrets)`,
      );
    else
      note(
        "note",
        field,
        `the kubedump Repository names Stash's Secret ${secretName}: kubedump reads its keys as they are`,
      );
    return { name: secretName };
  }
  const name = `${secretName}${SECRET_SUFFIX}`;
  if (!found) {
    note("action", field, `--include-secrets: nothing to copy; create Secret ${qualified(namespace, name)} yourself`);
    return { name };
  }
  note("changed", field, `"${secretName}" → "${name}": a copy, so that Stash's Secret stays as it is`);
  return { name, secret: copySecret(found, name, namespace, note) };
}

function reportKeys(keys: readonly string[], provider: SecretPlanInput["provider"], note: Note): void {
  const field = "spec.backend.storageSecretName";
  for (const key of keys) {
    if (CARRIED[key]) continue;
    const why = GOOGLE_KEYS.has(key)
      ? "kubedump reaches GCS with an HMAC key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) instead"
      : "not a key kubedump reads";
    note("not carried", `${field} key ${key}`, why);
  }
  const hasPair = keys.includes(SECRET_KEYS.accessKey) && keys.includes(SECRET_KEYS.secretKey);
  if (hasPair || provider === "local") return;
  const what =
    provider === "gcs"
      ? "add an HMAC key of the bucket's service account as these two"
      : "add them, or kubedump takes S3 credentials from the AWS chain of its Pods (docs/cloud-identity.md)";
  note("action", field, `the Secret has no ${SECRET_KEYS.accessKey} and ${SECRET_KEYS.secretKey}: ${what}`);
}

/** The copy: carried keys only, values moved as they are (never decoded, never printed). */
function copySecret(source: Obj, name: string, namespace: string | undefined, note: Note): Fields {
  const out: Fields = { apiVersion: "v1", kind: "Secret", metadata: migratedMetadata(source, name, namespace) };
  out.type = "Opaque";
  for (const field of ["data", "stringData"] as const) {
    const values = source[field];
    if (!isRecord(values)) continue;
    const copied: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
      const target = CARRIED[key];
      if (target && typeof value === "string") copied[target] = value;
    }
    if (Object.keys(copied).length > 0) out[field] = copied;
  }
  if (keysOf(source).includes(SECRET_KEYS.passwordAlias))
    note("changed", `Secret key ${SECRET_KEYS.passwordAlias}`, `→ ${SECRET_KEYS.password} in the copy`);
  return out;
}
