import { sanitize } from "@kubedump/dump";
import type { KubeClient, KubeObject } from "@kubedump/kube";
import { type ExtraCluster, kubeHttp, startExtraCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { restoreSnapshot } from "./restore-snapshot.js";
import {
  backupFixture,
  clientOf,
  eventually,
  type Fixture,
  localRepository,
  seedFixture,
  snapshotContents,
  statusOf,
} from "./test-support.js";

const env = inject("testenv");
let cluster: ExtraCluster;
let source: KubeClient;
let target: KubeClient;
let fixture: Fixture;
let repo: Awaited<ReturnType<typeof localRepository>>;
let snapshotId: string;

beforeAll(async () => {
  source = clientOf(env);
  repo = await localRepository();
  [cluster] = await Promise.all([
    startExtraCluster({ controllers: true }),
    (async () => {
      fixture = await seedFixture(env, "rgc");
      snapshotId = await backupFixture(source, repo.repository, fixture);
    })(),
  ]);
  target = clientOf(cluster);
});
afterAll(async () => {
  source?.close();
  target?.close();
  await cluster?.stop();
  repo?.done();
});

const collection = (o: KubeObject, namespace: string) =>
  o.apiVersion === "v1"
    ? `/api/v1/namespaces/${namespace}/configmaps`
    : `/apis/${o.apiVersion}/namespaces/${namespace}/widgets`;

/**
 * What `kubectl apply -f` of the downloaded YAML does with the chain: each object created as the
 * file says, into `namespace`, its ownerReferences still carrying the old cluster's uids.
 */
async function applyAsDownloaded(namespace: string): Promise<void> {
  await kubeHttp(cluster, "/api/v1/namespaces", { body: { metadata: { name: namespace } } });
  const contents = await snapshotContents(repo.repository, snapshotId);
  const chain = [`widgets.${fixture.group}/root`, "configmaps/chain-middle", "configmaps/chain-leaf"];
  for (const path of chain) {
    const entry = contents.get(`namespaces/${fixture.namespace}/${path}.yaml`)!;
    const object = sanitize(structuredClone(entry.object));
    object.metadata.namespace = namespace;
    const res = await kubeHttp(cluster, collection(object, namespace), { body: object });
    expect(res.status, `${object.metadata.name}: ${res.text}`).toBe(201);
  }
}

describe("the garbage collector of a cluster with kube-controller-manager", () => {
  it("deletes a chain applied with its old owner uids, and keeps the chain the engine restored", async () => {
    const report = await restoreSnapshot({ client: target, repository: repo.repository, snapshotId });
    expect(report.failures()).toEqual([]);
    const path = (namespace: string, name: string) => `/api/v1/namespaces/${namespace}/configmaps/${name}`;
    const uidOf = async (namespace: string, name: string) =>
      (await kubeHttp(cluster, path(namespace, name))).body.metadata.uid as string;
    const restored = {
      middle: await uidOf(fixture.namespace, "chain-middle"),
      leaf: await uidOf(fixture.namespace, "chain-leaf"),
    };

    const naive = "rgc-naive";
    await applyAsDownloaded(naive);
    expect(await statusOf(cluster, path(naive, "chain-middle"))).toBe(200);
    // A marker restored the naive way after the engine's objects: once the collector has deleted
    // it, it has seen the engine's objects too.
    const ghost = [{ apiVersion: "v1", kind: "ConfigMap", name: "gone", uid: "00000000-0000-4000-8000-00000000dead" }];
    const marker = { metadata: { name: "gc-marker", ownerReferences: ghost } };
    expect(
      (await kubeHttp(cluster, `/api/v1/namespaces/${fixture.namespace}/configmaps`, { body: marker })).status,
    ).toBe(201);

    for (const name of ["chain-middle", "chain-leaf"]) {
      await eventually(`the collector to delete ${naive}/${name}`, async () =>
        (await statusOf(cluster, path(naive, name))) === 404 ? true : undefined,
      );
    }
    await eventually("the collector to delete the marker", async () =>
      (await statusOf(cluster, path(fixture.namespace, "gc-marker"))) === 404 ? true : undefined,
    );
    expect(await uidOf(fixture.namespace, "chain-middle")).toBe(restored.middle);
    expect(await uidOf(fixture.namespace, "chain-leaf")).toBe(restored.leaf);
    expect(await statusOf(cluster, `/apis/${fixture.group}/v1/namespaces/${naive}/widgets/root`)).toBe(200);
  });
});
