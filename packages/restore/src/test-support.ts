// Fixtures shared by this package's tests against real servers; excluded from the build.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { takeSnapshot } from "@kubedump/dump";
import { createKubeClient, type KubeClient, type KubeObject } from "@kubedump/kube";
import { openRepository, type Repository } from "@kubedump/repository";
import type { IndexRecord } from "@kubedump/repository/archive";
import { createLocalObjectStore } from "@kubedump/repository/local";
import {
  apply,
  applyCrd,
  type ClusterOptions,
  type ExtraCluster,
  kubeHttp,
  startExtraCluster,
  type TestEnvInfo,
  testCrd,
} from "@kubedump/testenv";
import { load } from "js-yaml";
import { afterAll, beforeAll } from "vitest";

export type Api = Pick<TestEnvInfo, "kubeApiUrl" | "caPem" | "adminCertPem" | "adminKeyPem">;
// biome-ignore lint/suspicious/noExplicitAny: raw objects for the API server
type Raw = Record<string, any>;

/** The label every fixture object carries: backups select the fixture by it. */
export const FIXTURE_LABEL = "kubedump.test/fixture";

export interface Fixture {
  prefix: string;
  namespace: string;
  /** The custom group: Widgets, and ConfigMaps that share the core Kind's name. */
  group: string;
  /** `kubedump.test/fixture=<prefix>`. */
  selector: string;
  /** The ClusterRole and ClusterRoleBinding's name. */
  clusterRole: string;
  /** The bytes of the ConfigMap's binaryData, every byte value once. */
  blob: Buffer;
}

export const ownerRef = (o: Raw, controller = true) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: o.metadata.uid,
  controller,
  blockOwnerDeletion: true,
});

/**
 * Creates the fixture on a cluster, every object labelled FIXTURE_LABEL=prefix: its namespace;
 * two CRDs (Widget, and a ConfigMap Kind in a custom group) and their custom resources, a Widget
 * with a status; an ownership chain three deep (Widget root → ConfigMap chain-middle →
 * ConfigMap chain-leaf, controller references, the ConfigMaps labelled part=chain); a ConfigMap with unicode data and binaryData; a
 * Secret; a ServiceAccount; a ClusterRole, a ClusterRoleBinding and a RoleBinding naming it.
 */
export async function seedFixture(api: Api, prefix: string): Promise<Fixture> {
  const namespace = `${prefix}-app`;
  const group = `${prefix}.kubedump.test`;
  const labels = { [FIXTURE_LABEL]: prefix };
  const fixture = { prefix, namespace, group, selector: `${FIXTURE_LABEL}=${prefix}`, clusterRole: `${prefix}:reader` };
  const blob = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await apply(api, "/api/v1/namespaces", { metadata: { name: namespace, labels: { ...labels, team: "shop" } } });
  await applyCrd(api, testCrd(group, "widgets", "Widget", labels));
  await applyCrd(api, testCrd(group, "configmaps", "ConfigMap", labels));
  const custom = `/apis/${group}/v1/namespaces/${namespace}`;
  const core = `/api/v1/namespaces/${namespace}`;
  const root = await apply(api, `${custom}/widgets`, {
    apiVersion: `${group}/v1`,
    kind: "Widget",
    metadata: { name: "root", labels },
    spec: { color: "grün", size: 3 },
  });
  const status = { method: "PATCH", contentType: "application/merge-patch+json", body: { status: { ready: true } } };
  await kubeHttp(api, `${custom}/widgets/root/status`, status);
  const chain = { ...labels, part: "chain" };
  const middle = await apply(api, `${core}/configmaps`, {
    metadata: { name: "chain-middle", labels: chain, ownerReferences: [ownerRef(root)] },
    data: { level: "2" },
  });
  await apply(api, `${core}/configmaps`, {
    metadata: { name: "chain-leaf", labels: chain, ownerReferences: [ownerRef(middle)] },
    data: { level: "3" },
  });
  await apply(api, `${custom}/configmaps`, {
    apiVersion: `${group}/v1`,
    kind: "ConfigMap",
    metadata: { name: "settings", labels },
    spec: { color: "blue", size: 1 },
  });
  await apply(api, `${core}/configmaps`, {
    metadata: { name: "settings", labels, annotations: { note: "Grüße, 世界 🌍" } },
    data: { "greeting.txt": "grüße, 世界 🌍\nzweite Zeile\n", empty: "" },
    binaryData: { "blob.bin": blob.toString("base64") },
  });
  await apply(api, `${core}/secrets`, {
    metadata: { name: "credentials", labels },
    type: "Opaque",
    stringData: { password: `s3cr3t-${prefix}` },
  });
  await apply(api, `${core}/serviceaccounts`, { metadata: { name: "runner", labels } });
  await seedRbac(api, fixture.clusterRole, namespace, labels);
  return { ...fixture, blob };
}

async function seedRbac(api: Api, name: string, namespace: string, labels: Raw): Promise<void> {
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name };
  const subjects = [{ kind: "ServiceAccount", name: "runner", namespace }];
  await apply(api, `${rbac}/clusterroles`, {
    metadata: { name, labels },
    rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
  });
  await apply(api, `${rbac}/clusterrolebindings`, { metadata: { name, labels }, roleRef, subjects });
  await apply(api, `${rbac}/namespaces/${namespace}/rolebindings`, {
    metadata: { name: "runner-reads", labels },
    roleRef,
    subjects,
  });
}

export interface LocalRepository {
  repository: Repository;
  dir: string;
  done(): void;
}

/** A temporary directory, and a local repository in it (encrypted with `password`). */
export async function localRepository(password?: string): Promise<LocalRepository> {
  const dir = mkdtempSync(join(tmpdir(), "kubedump-restore-test-"));
  const store = createLocalObjectStore({ root: join(dir, "repo") });
  const repository = await openRepository({ format: 1, store, ...(password && { password, kdf: { N: 2 ** 12 } }) });
  return { repository, dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Backs up the fixture (unsanitized: status, uids and all) from `client`'s cluster; returns the snapshot id. */
export async function backupFixture(client: KubeClient, repository: Repository, fixture: Fixture): Promise<string> {
  const options = {
    scope: { type: "cluster" as const },
    labelSelector: fixture.selector,
    includeClusterResources: true,
    sanitize: false,
  };
  const { manifest } = await takeSnapshot({ client, repository }, { options, source: { kind: "cli" } });
  return manifest.id;
}

/** Every object of a snapshot, parsed, with its index record, by path. */
export async function snapshotContents(
  repository: Repository,
  id: string,
): Promise<Map<string, { record: IndexRecord; object: KubeObject }>> {
  const records = new Map<string, IndexRecord>();
  for await (const record of repository.readIndex(id)) records.set(record.path, record);
  const out = new Map<string, { record: IndexRecord; object: KubeObject }>();
  for await (const { path, data } of repository.readObjects(id)) {
    out.set(path, { record: records.get(path)!, object: load(data.toString("utf8")) as KubeObject });
  }
  return out;
}

/** A client of an extra cluster (or of the shared one), with no client-side rate limit. */
export function clientOf(cluster: Pick<ExtraCluster, "kubeconfig">): KubeClient {
  return createKubeClient({ kubeconfig: cluster.kubeconfig, qps: 0 });
}

/** Polls until `check` returns something other than undefined, or fails after `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The status code of a GET, for "is it there" checks. */
export async function statusOf(api: Api, path: string): Promise<number> {
  return (await kubeHttp(api, path)).status;
}

/** A random suffix for names that must not collide between runs on one cluster. */
export const suffix = () => randomBytes(3).toString("hex");

/** What the hooks of useSharedCluster fill in: a client of the shared cluster, a local repository, a scratch dir. */
export interface SharedCluster {
  client: KubeClient;
  repo: LocalRepository;
  scratch: string;
}

/** Registers the hooks of a test file that restores onto the shared cluster. */
export function useSharedCluster(env: TestEnvInfo): SharedCluster {
  const shared = {} as SharedCluster;
  beforeAll(async () => {
    shared.client = clientOf(env);
    shared.repo = await localRepository();
    shared.scratch = mkdtempSync(join(tmpdir(), "kubedump-restore-scratch-"));
  });
  afterAll(() => {
    shared.client?.close();
    shared.repo?.done();
    if (shared.scratch) rmSync(shared.scratch, { recursive: true, force: true });
  });
  return shared;
}

/** What the hooks of useSecondCluster fill in. */
export interface SecondCluster {
  cluster: ExtraCluster;
  /** Clients of the shared cluster (the fixture's) and of the second one. */
  source: KubeClient;
  target: KubeClient;
  fixture: Fixture;
  repo: LocalRepository;
  /** The fixture's snapshot, taken from the shared cluster. */
  snapshotId: string;
}

/**
 * Registers the hooks of a test file that restores onto a second cluster of its own: the fixture
 * `prefix` seeded on the shared cluster and backed up into a local repository while the second
 * cluster starts.
 */
export function useSecondCluster(env: TestEnvInfo, prefix: string, options: ClusterOptions = {}): SecondCluster {
  const two = {} as SecondCluster;
  beforeAll(async () => {
    two.source = clientOf(env);
    two.repo = await localRepository();
    const seeded = async () => {
      two.fixture = await seedFixture(env, prefix);
      two.snapshotId = await backupFixture(two.source, two.repo.repository, two.fixture);
    };
    [two.cluster] = await Promise.all([startExtraCluster(options), seeded()]);
    two.target = clientOf(two.cluster);
  });
  afterAll(async () => {
    two.source?.close();
    two.target?.close();
    await two.cluster?.stop();
    two.repo?.done();
  });
  return two;
}
