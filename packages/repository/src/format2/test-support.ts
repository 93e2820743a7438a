// Builders shared by format 2's tests; excluded from the build (tsconfig.build.json).
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Env } from "@kubedump/testenv";
import { afterAll, beforeAll } from "vitest";
import { createLocalObjectStore } from "../stores/local-object-store.js";
import type { ObjectStore } from "../stores/object-store.js";
import { createS3ObjectStore } from "../stores/s3-object-store.js";
import { s3TestOptions, wrapStore } from "../test-support.js";
import { snapshotManifestKey } from "../snapshot/layout.js";
import { loadBlobIndex } from "./index-loader.js";
import { deriveFormat2Keys, type Format2Keys } from "./keys.js";
import type { SnapshotDraftV2 } from "./manifest.js";
import { readPack } from "./pack-reader.js";
import { packIdOfKey } from "./prune-plan.js";
import { readManifestV2, readSnapshotObjectsV2 } from "./snapshot-reader.js";
import { type SnapshotInputObject, writeSnapshotV2 } from "./snapshot-writer.js";

export const TEST_KEYS: Format2Keys = deriveFormat2Keys(Buffer.alloc(32, 7));

/** A Deployment-like YAML of about 1.3 KB; `revision` changes its content. */
export function deploymentYaml(namespace: string, name: string, revision = 1): Buffer {
  return Buffer.from(
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    deployment.kubernetes.io/revision: "${revision}"\n` +
      `  labels:\n    app.kubernetes.io/name: ${name}\n    app.kubernetes.io/part-of: shop\n  name: ${name}\n` +
      `  namespace: ${namespace}\nspec:\n  replicas: ${(revision % 3) + 1}\n  selector:\n    matchLabels:\n` +
      `      app.kubernetes.io/name: ${name}\n  strategy:\n    rollingUpdate:\n      maxSurge: 25%\n` +
      `      maxUnavailable: 25%\n    type: RollingUpdate\n  template:\n    metadata:\n      labels:\n` +
      `        app.kubernetes.io/name: ${name}\n    spec:\n      containers:\n` +
      `      - image: registry.example.com/shop/${name}:1.${revision}.0\n        imagePullPolicy: IfNotPresent\n` +
      `        name: app\n        ports:\n        - containerPort: 8080\n          name: http\n          protocol: TCP\n` +
      `        resources:\n          limits:\n            cpu: 500m\n            memory: 256Mi\n` +
      `          requests:\n            cpu: 100m\n            memory: 128Mi\n      dnsPolicy: ClusterFirst\n` +
      `      restartPolicy: Always\n      terminationGracePeriodSeconds: 30\n`,
  );
}

/** An object of the snapshot writer's input from its coordinates and YAML. */
export function inputObject(
  coordinates: { group: string; version: string; resource: string; kind: string; namespace?: string; name: string },
  data: Buffer,
): SnapshotInputObject {
  const sha256 = createHash("sha256").update(data).digest("hex");
  const uid = createHash("sha256").update(`${coordinates.namespace}/${coordinates.name}`).digest("hex").slice(0, 32);
  return { record: { ...coordinates, uid, sha256, bytes: data.length }, data };
}

/**
 * `count` Deployments spread over `namespaces` namespaces, plus a ClusterRole per 50 objects; the
 * objects whose number is in `changed` carry revision 2.
 */
export function clusterObjects(count: number, namespaces: number, changed = new Set<number>()): SnapshotInputObject[] {
  return Array.from({ length: count }, (_, i) => {
    const revision = changed.has(i) ? 2 : 1;
    if (i % 50 === 49) {
      const name = `system:controller:job-${i}`;
      const data = Buffer.from(
        `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\n# r${revision}\n`,
      );
      return inputObject(
        { group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole", name },
        data,
      );
    }
    const namespace = `team-${i % namespaces}`;
    const name = `web-${i}`;
    return inputObject(
      { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespace, name },
      deploymentYaml(namespace, name, revision),
    );
  });
}

export function draftV2(id: string): SnapshotDraftV2 {
  return {
    id,
    time: "2026-11-26T02:00:00.000Z",
    completedAt: "2026-11-26T02:00:07.000Z",
    source: { kind: "cli" },
    cluster: { version: "v1.34.0" },
    scope: { type: "cluster" },
    params: {},
    warnings: [],
  };
}

/** Wraps a store and counts the puts and their bytes (a Buffer body's length). */
export function countingStore(inner: ObjectStore): { store: ObjectStore; puts: Map<string, number> } {
  const puts = new Map<string, number>();
  const store = wrapStore(inner, {
    async put(key, body, hints) {
      await inner.put(key, body, hints);
      puts.set(key, Buffer.isBuffer(body) ? body.length : -1);
    },
    async putIfAbsent(key, body) {
      const created = await inner.putIfAbsent(key, body);
      if (created) puts.set(key, body.length);
      return created;
    },
  });
  return { store, puts };
}

/** Bytes of every put whose key starts with one of `prefixes`. */
export function putBytes(puts: Map<string, number>, ...prefixes: string[]): number {
  let sum = 0;
  for (const [key, bytes] of puts) if (prefixes.some((p) => key.startsWith(p))) sum += bytes;
  return sum;
}

/** Snapshots of the prune and verify tests: the middle one is forgotten (its snapshot.json deleted). */
export const PRUNE_IDS = ["20261126T020000Z-0a0a0a0a", "20261126T030000Z-0a0a0a0a", "20261126T040000Z-0a0a0a0a"];
const PRUNE_COUNT = 400;

/** The input of snapshot `n` of PRUNE_IDS: snapshot 1 changes every 4th object from 1, snapshot 2 from 2. */
export function pruneInput(n: number): SnapshotInputObject[] {
  const changed = new Set(n === 0 ? [] : Array.from({ length: PRUNE_COUNT / 4 }, (_, i) => i * 4 + n));
  return clusterObjects(PRUNE_COUNT, 4, changed);
}

/**
 * Writes the three snapshots of PRUNE_IDS in packs and frames of 4 KiB, then forgets the middle one: its
 * changed objects' blobs and its tree nodes are used by no snapshot. Resolves with the kept inputs.
 */
export async function writeForgottenMiddle(
  store: ObjectStore,
  keys: Format2Keys | null,
): Promise<Map<string, SnapshotInputObject[]>> {
  for (const [n, id] of PRUNE_IDS.entries()) {
    const { index } = await loadBlobIndex({ store, keys });
    const sizes = { packTargetBytes: 4 * 1024, packFrameBytes: 4 * 1024 };
    // Whole trees: a patch of the middle snapshot would keep its blobs (see tree-patch.test.ts).
    await writeSnapshotV2({ store, keys, index, ...sizes, patchTree: false }, draftV2(id), pruneInput(n));
  }
  await store.delete(snapshotManifestKey(PRUNE_IDS[1] as string));
  return new Map([0, 2].map((n) => [PRUNE_IDS[n] as string, pruneInput(n)]));
}

/** The sha256 of every object of snapshot `id` as read back, sorted: equal to its input's when byte-identical. */
export async function readBackHashes(store: ObjectStore, keys: Format2Keys | null, id: string): Promise<string[]> {
  const { index } = await loadBlobIndex({ store, keys });
  const hashes: string[] = [];
  for await (const object of readSnapshotObjectsV2({ store, keys, index }, await readManifestV2({ store }, id)))
    hashes.push(createHash("sha256").update(object.data).digest("hex"));
  return hashes.sort();
}

export function inputHashes(input: readonly SnapshotInputObject[]): string[] {
  return input.map((o) => o.record.sha256).sort();
}

/** The data blob ids stored in every pack under data/, read from the packs themselves. */
export async function storedDataBlobs(store: ObjectStore, keys: Format2Keys | null): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const { key } of store.list("data/")) {
    const pack = await readPack({ store, keys }, packIdOfKey(key) as string);
    for (const entry of pack.entries) if (entry.type === "data") ids.add(entry.id);
  }
  return ids;
}

/**
 * A temporary directory `kubedump-format2-<prefix>-*` made before the file's tests and removed
 * after them (hooks registered here): the path of `names` (joined) in it.
 */
export function testDirectory(prefix: string): (...names: string[]) => string {
  let tmp = "";
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), `kubedump-format2-${prefix}-`));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  return (...names) => join(tmp, ...names);
}

/**
 * The stores an integration test runs on, each call a fresh one: MinIO below a unique prefix of
 * `bucket`, and a new local directory in a temporary directory (testDirectory).
 */
export function testStores(env: S3Env, bucket: string, prefix: string) {
  const localRoot = testDirectory(prefix);
  const localStore = (name = randomBytes(4).toString("hex")) => createLocalObjectStore({ root: localRoot(name) });
  const s3Store = () => createS3ObjectStore(s3TestOptions(env, bucket, prefix));
  const stores: [string, () => ObjectStore][] = [
    ["MinIO", s3Store],
    ["a local directory", () => localStore()],
  ];
  return { stores, localStore, s3Store, localRoot };
}

/** An unencrypted and an encrypted repository's keys, labelled, for describe.each. */
export const KEY_CASES: [string, Format2Keys | null][] = [
  ["unencrypted", null],
  ["encrypted", TEST_KEYS],
];

/** Every store of testStores with every key of KEY_CASES: [store, keys label, create, keys]. */
export function storeKeyCases(stores: [string, () => ObjectStore][]) {
  return stores.flatMap(([store, create]) => KEY_CASES.map(([label, keys]) => [store, label, create, keys] as const));
}
