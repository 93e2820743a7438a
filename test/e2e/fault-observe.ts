import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { SweepResult } from "@kubedump/repository/snapshot";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { s3StoreOptions, type TestEnvInfo } from "@kubedump/testenv";
import { Client } from "minio";
import type { Worker } from "./fault-bench.js";
import { E2E_BUCKET, openTestRepository } from "./harness.js";

// What the fault tests observe from outside the workers: the bucket as MinIO holds it (objects and
// unfinished multipart uploads, read directly, not through the proxy the workers use), a worker's
// scratch directory and the bytes it has read, and `kubedump prune`, the operator's sweep.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Every key below the repository's prefix (repository.json, committed and unfinished snapshots). */
export async function bucketKeys(t: TestEnvInfo, prefix: string): Promise<string[]> {
  const store = createS3ObjectStore(s3StoreOptions(t, E2E_BUCKET, prefix));
  const keys: string[] = [];
  for await (const entry of store.list("")) keys.push(entry.key);
  return keys.sort();
}

/** The snapshot ids that have any object in the bucket. */
export async function snapshotIdsInBucket(t: TestEnvInfo, prefix: string): Promise<Set<string>> {
  const ids = (await bucketKeys(t, prefix)).flatMap((k) => /^snapshots\/([^/]+)\//.exec(k)?.[1] ?? []);
  return new Set(ids);
}

/** The keys of one snapshot, relative to its directory: snapshot.json, index.json.gz, parts/…. */
export async function snapshotFiles(t: TestEnvInfo, prefix: string, id: string): Promise<string[]> {
  const dir = `snapshots/${id}/`;
  return (await bucketKeys(t, prefix)).filter((k) => k.startsWith(dir)).map((k) => k.slice(dir.length));
}

/** Unfinished multipart uploads below the repository's prefix, as MinIO lists them. */
export async function incompleteUploads(t: TestEnvInfo, prefix: string): Promise<string[]> {
  const url = new URL(t.s3Endpoint);
  const client = new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === "https:",
    accessKey: t.accessKey,
    secretKey: t.secretKey,
  });
  const { uploads } = await client.listIncompleteUploadsQuery(E2E_BUCKET, "", "", "", "");
  return uploads.map((u) => u.key).filter((key) => key.startsWith(`${prefix}/`));
}

/** The id of the snapshot that appeared in the bucket since `before`, once there is exactly one. */
export async function newSnapshotId(t: TestEnvInfo, prefix: string, before: Set<string>): Promise<string | undefined> {
  const fresh = [...(await snapshotIdsInBucket(t, prefix))].filter((id) => !before.has(id));
  return fresh.length === 1 ? fresh[0] : undefined;
}

/** The backup scratch directories (`kubedump-<snapshot id>-…`) anywhere below a worker's SCRATCH_DIR. */
export function scratchDirs(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory() && entry.name.startsWith("kubedump-")) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

/** Bytes the process has read through read-like system calls (sockets included), from /proc/<pid>/io. */
function bytesRead(pid: number): number {
  const line = readFileSync(`/proc/${pid}/io`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("rchar:"));
  return Number(line?.split(":")[1] ?? Number.NaN);
}

/**
 * A probe of a worker's dump to poll: undefined until its backup scratch directory has appeared
 * (the dump started) and it has read `bytes` since (its LISTs under way); then the bytes read since.
 */
export function readIntoDump(worker: Worker, bytes: number): () => Promise<number | undefined> {
  let start: number | undefined;
  return async () => {
    if (!scratchDirs(worker.scratchRoot).length) return undefined;
    const read = bytesRead(worker.process.child.pid ?? -1);
    start ??= read;
    return read - start >= bytes ? read - start : undefined;
  };
}

/**
 * `kubedump prune --older-than 0s`, the operator's sweep of what failed and interrupted backups
 * left (run once no backup of the repository is in flight), on the repository at `prefix`.
 */
export async function pruneNow(t: TestEnvInfo, prefix: string): Promise<SweepResult> {
  const repo = `s3://${E2E_BUCKET}/${prefix}?endpoint=${encodeURIComponent(t.s3Endpoint)}`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, "packages/cli/bin/kubedump.js"), "prune", "--repo", repo, "--older-than", "0s", "-o", "json"],
    { env: { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: t.accessKey, AWS_SECRET_ACCESS_KEY: t.secretKey } },
  );
  return JSON.parse(stdout) as SweepResult;
}

/**
 * What is left in the bucket after the sweep: keys that belong to no committed snapshot (nor
 * repository.json), unfinished snapshots, multipart uploads. All empty when nothing was lost.
 */
export async function leftovers(t: TestEnvInfo, prefix: string) {
  const repository = await openTestRepository(t, prefix);
  const committed = (await repository.listSnapshots()).map((m) => `snapshots/${m.id}/`);
  const stray = (await bucketKeys(t, prefix)).filter(
    (k) => k !== "repository.json" && !committed.some((dir) => k.startsWith(dir)),
  );
  return {
    strayKeys: stray,
    unfinished: (await repository.listUnfinished()).map((u) => u.id),
    uploads: await incompleteUploads(t, prefix),
  };
}
