import type { Client, RetentionOptions } from "minio";
import {
  BackendConfigError,
  ObjectLockedError,
  ObjectNotFoundError,
  StoreAccessDeniedError,
  StoreRequestError,
} from "../errors.js";

/** Runs one request with the store's client, retries and error translation. */
type Call = <T>(operation: string, fn: (client: Client) => Promise<T>) => Promise<T>;

/** S3 Object Lock modes: GOVERNANCE can be lifted by a user with s3:BypassGovernanceRetention, COMPLIANCE by no one. */
export type ObjectLockMode = "GOVERNANCE" | "COMPLIANCE";

/** Every object the store writes is locked in `mode` for `retentionMs` from the time of its write. */
export interface ObjectLockOptions {
  mode: ObjectLockMode;
  retentionMs: number;
  /** What asked for the lock, named in errors, e.g. `spec.objectLock of Repository demo/repo`. */
  source?: string;
}

/** A Repository's `spec.objectLock` as written: the retention is a duration such as `720h` or `90s`. */
export interface ObjectLockSpec {
  mode: ObjectLockMode;
  retention: string;
}

/** A Go duration, as the Repository CRD's pattern takes it (`720h`, `1h30m`, `90s`, `1s500ms`, `2s250us`). */
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The store options of a spec; a bad mode or retention is a BackendConfigError naming `source`. */
export function objectLockOptions(spec: ObjectLockSpec, source = "objectLock"): ObjectLockOptions {
  if (spec.mode !== "GOVERNANCE" && spec.mode !== "COMPLIANCE")
    throw new BackendConfigError(`${source}.mode "${spec.mode}": must be GOVERNANCE or COMPLIANCE`);
  let retentionMs = 0;
  if (DURATION.test(spec.retention)) {
    for (const [, amount, unit] of spec.retention.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
      retentionMs += Number(amount) * (UNIT_MS[unit as string] ?? 0);
  }
  if (!(retentionMs >= 1000))
    throw new BackendConfigError(
      `${source}.retention "${spec.retention}": must be a duration of at least 1s, e.g. 720h`,
    );
  return { mode: spec.mode, retentionMs, source };
}

/**
 * Keys written without a lock even when the store locks: format 2's repository locks
 * (`locks/`), which must be deletable as soon as their holder is done.
 */
export const UNLOCKED_PREFIXES = ["locks/"];

/** The lock a key is written with: none below UNLOCKED_PREFIXES. */
export function lockOf(lock: ObjectLockOptions | undefined, key: string): ObjectLockOptions | undefined {
  return lock && !UNLOCKED_PREFIXES.some((prefix) => key.startsWith(prefix)) ? lock : undefined;
}

/** The headers that lock an object written now, until `until` (default: now plus the retention). */
export function lockHeaders(lock: ObjectLockOptions | undefined, until?: Date): Record<string, string> {
  if (!lock) return {};
  return {
    "x-amz-object-lock-mode": lock.mode,
    "x-amz-object-lock-retain-until-date": (until ?? new Date(Date.now() + lock.retentionMs)).toISOString(),
  };
}

/** Whether the bucket has Object Lock enabled. */
export async function bucketLockEnabled(client: Client, bucket: string, required = true): Promise<boolean> {
  try {
    const config = (await client.getObjectLockConfig(bucket)) as { objectLockEnabled?: string } | undefined;
    return config?.objectLockEnabled === "Enabled";
  } catch (err) {
    if (lockConfigAbsent(err, required)) return false;
    throw err;
  }
}

/**
 * Whether an error of GetObjectLockConfiguration means "no lock here". A bucket without a lock
 * configuration always does. When the Repository did not ask for a lock (`required` false), so
 * does a refusal or a store that lacks the call (an IAM policy without
 * s3:GetBucketObjectLockConfiguration, an S3-compatible store without Object Lock): deletes then
 * go on as before Object Lock existed, instead of failing.
 */
export function lockConfigAbsent(err: unknown, required: boolean): boolean {
  const code = err instanceof Error && "code" in err ? err.code : undefined;
  if (code === "ObjectLockConfigurationNotFoundError" || code === "NoSuchBucket") return true;
  return !required && (code === "AccessDenied" || code === "NotImplemented" || code === "MethodNotAllowed");
}

/** The error for a lock asked of a bucket that cannot hold one. */
export function lockNotEnabled(lock: ObjectLockOptions, bucket: string, endpoint: string): BackendConfigError {
  return new BackendConfigError(
    `${lock.source ?? "objectLock"} asks for object retention, but bucket "${bucket}" at ${endpoint} has no ` +
      "S3 Object Lock enabled: create the bucket with object lock (it can only be enabled at creation), or remove the field",
  );
}

/** Version ids of every version (and delete marker) of exactly `name`. */
export async function versionsOf(client: Client, bucket: string, name: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const item of client.listObjects(bucket, name, false, { IncludeVersion: true })) {
    const entry = item as { name?: string; versionId?: string | null };
    if (entry.name === name && entry.versionId) ids.push(entry.versionId);
  }
  return ids;
}

/** When the lock of `name` (or of one version) ends, if it is still locked. */
export async function retainedUntil(call: Call, bucket: string, name: string, versionId?: string) {
  const info = await call("read retention of", (c) =>
    c.getObjectRetention(bucket, name, versionId ? { versionId } : undefined),
  ).catch((err: unknown) => {
    if (err instanceof ObjectNotFoundError) return undefined;
    if (err instanceof StoreRequestError && err.code === "NoSuchObjectLockConfiguration") return undefined;
    throw err;
  });
  const until = info?.retainUntilDate ? new Date(info.retainUntilDate) : undefined;
  return until && until.getTime() > Date.now() ? until : undefined;
}

/**
 * Deletes every version of `name`: in a bucket with Object Lock (hence versioned) a plain delete
 * only hides the data behind a delete marker. A locked version is an ObjectLockedError.
 */
export async function deleteVersions(call: Call, bucket: string, key: string, name: string): Promise<void> {
  for (const versionId of await call("list versions of", (c) => versionsOf(c, bucket, name))) {
    try {
      await call("delete", (c) => c.removeObject(bucket, name, { versionId }));
    } catch (err) {
      const refused =
        err instanceof StoreAccessDeniedError || (err instanceof StoreRequestError && err.code === "InvalidRequest");
      const until = refused ? await retainedUntil(call, bucket, name, versionId).catch(() => undefined) : undefined;
      throw until ? new ObjectLockedError(key, until, { cause: err }) : err;
    }
  }
}

/** The retention of `name`'s latest version, if it has one (an object never locked has none). */
async function retentionOf(call: Call, bucket: string, name: string) {
  const info = await call("read retention of", (c) => c.getObjectRetention(bucket, name)).catch((err: unknown) => {
    if (err instanceof StoreRequestError && err.code === "NoSuchObjectLockConfiguration") return undefined;
    throw err;
  });
  return info?.retainUntilDate ? { mode: info.mode, until: new Date(info.retainUntilDate) } : undefined;
}

/**
 * Extends the retention of `name` (its latest version) to `until` when it ends earlier
 * (PutObjectRetention); never shortens it, and a COMPLIANCE lock stays COMPLIANCE (S3 refuses to
 * weaken a lock). Resolves with when the retention ends afterwards. A PUT refused because another
 * writer extended it further meanwhile is fine; ObjectNotFoundError when the object is missing.
 */
export async function extendRetention(call: Call, bucket: string, name: string, mode: ObjectLockMode, until: Date) {
  const current = await retentionOf(call, bucket, name);
  if (current && current.until >= until) return current.until;
  const keep = current?.mode === "COMPLIANCE" ? "COMPLIANCE" : mode;
  const retention = { versionId: "", mode: keep as RetentionOptions["mode"], retainUntilDate: until.toISOString() };
  try {
    await call("extend retention of", (c) => c.putObjectRetention(bucket, name, retention));
  } catch (err) {
    const now = await retentionOf(call, bucket, name).catch(() => undefined);
    if (now && now.until >= until) return now.until;
    throw err;
  }
  return until;
}
