// Builders for the tests of backups into format-2 repositories; excluded from the build (tsconfig.build.json).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ObjectStore, Repository } from "@kubedump/repository";
import { format2Of } from "@kubedump/repository/format2";
import { createS3ObjectStore, type ObjectLockOptions } from "@kubedump/repository/s3";
import { kubeHttp, s3StoreOptions, type TestEnvInfo } from "@kubedump/testenv";
import { expect } from "vitest";
import type { TestNamespace } from "../../../test/e2e/test-namespace.js";
import { BUCKET, type WorkerRig } from "./test-support.js";

/** The repository's S3 store at `prefix` in `bucket` (the test bucket by default). */
export function s3Store(env: TestEnvInfo, prefix: string, opts: { bucket?: string; lock?: ObjectLockOptions } = {}) {
  return createS3ObjectStore({ ...s3StoreOptions(env, opts.bucket ?? BUCKET, prefix), objectLock: opts.lock });
}

type Method = (key: string, ...rest: unknown[]) => Promise<unknown>;

/** `inner` with the methods named in `around` wrapped: each wrapper is given the method, bound. */
function wrapStore(inner: ObjectStore, around: Record<string, (method: Method) => Method>): ObjectStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const wrap = typeof property === "string" ? around[property] : undefined;
      return wrap ? wrap(value.bind(target)) : value.bind(target);
    },
  });
}

/** `inner`, with every key read (get, getBuffer) that starts with `prefix` recorded in `reads`. */
export function countingStore(inner: ObjectStore, prefix: string): { store: ObjectStore; reads: string[] } {
  const reads: string[] = [];
  const counted =
    (method: Method) =>
    (key: string, ...rest: unknown[]) => {
      if (key.startsWith(prefix)) reads.push(key);
      return method(key, ...rest);
    };
  return { store: wrapStore(inner, { get: counted, getBuffer: counted }), reads };
}

/** `inner`, with each delete `ms` late: a prune that holds its lock for a while. */
export function slowStore(inner: ObjectStore, ms: number): ObjectStore {
  return wrapStore(inner, {
    delete: (method) => async (key) => {
      await sleep(ms);
      return method(key);
    },
  });
}

/** Runs session `name` of configuration `config` on the rig to the end, expecting Succeeded: its snapshot id. */
export async function backup(space: TestNamespace, rig: WorkerRig, name: string, config = "c", maxRetry = 0) {
  await rig.enqueue(await space.createSession(name, config), { maxRetry, delayMs: 1000 });
  const session = await space.waitForSession(name, 90_000);
  expect(session.status.phase, JSON.stringify(session.status)).toBe("Succeeded");
  return session.status.snapshot.id as string;
}

/** ConfigMaps of the test's namespace, named `name` with data `{ value }`, created or replaced. */
export async function putConfigMaps(space: TestNamespace, data: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(data)) {
    const path = `/api/v1/namespaces/${space.ns}/configmaps`;
    const body = { metadata: { name }, data: { value } };
    const created = await kubeHttp(space.t, path, { body });
    if (created.status === 409) await kubeHttp(space.t, `${path}/${name}`, { method: "PUT", body });
  }
}

/** Every object of snapshot `id`, path → YAML, checked to be as many as its manifest counts. */
export async function snapshotContents(repository: Repository, id: string): Promise<Map<string, string>> {
  const manifest = await repository.getSnapshot(id);
  const objects = new Map<string, string>();
  for await (const object of repository.readObjects(id)) objects.set(object.path, object.data.toString());
  expect(objects.size).toBe(manifest.objects);
  return objects;
}

/** The ConfigMap `name` of the snapshot's namespace `ns`, as YAML. */
export function configMapYaml(contents: Map<string, string>, ns: string, name: string): string | undefined {
  return contents.get(`namespaces/${ns}/configmaps/${name}.yaml`);
}

/** Checks every snapshot and every pack of the format-2 repository: no problems. */
export async function expectVerified(repository: Repository): Promise<number> {
  const format2 = format2Of(repository);
  if (!format2) throw new Error("not a format-2 repository");
  const report = await format2.verify();
  expect(report.problems).toEqual([]);
  return report.snapshots;
}

/** The files of every index cache below a worker's scratch root: path → bytes. */
export async function indexCacheFiles(scratchRoot: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const path of await readdir(scratchRoot, { recursive: true })) {
    const name = path.split("/").pop() ?? "";
    if (path.includes("index-cache/") && /^[0-9a-f]{64}$/.test(name))
      files.set(path, await readFile(join(scratchRoot, path)));
  }
  return files;
}
