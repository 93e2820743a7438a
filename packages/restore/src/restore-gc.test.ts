import { sanitize } from "@kubedump/dump";
import type { KubeObject } from "@kubedump/kube";
import { kubeHttp } from "@kubedump/testenv";
import { describe, expect, inject, it } from "vitest";
import { restoreSnapshot } from "./restore-snapshot.js";
import { eventually, snapshotContents, statusOf, useSecondCluster } from "./test-support.js";

const env = inject("testenv");
const two = useSecondCluster(env, "rgc", { controllers: true });

const collection = (o: KubeObject, namespace: string) =>
  o.apiVersion === "v1"
    ? `/api/v1/namespaces/${namespace}/configmaps`
    : `/apis/${o.apiVersion}/namespaces/${namespace}/widgets`;

/**
 * What `kubectl apply -f` of the downloaded YAML does with the chain: each object created as the
 * file says, into `namespace`, its ownerReferences still carrying the old cluster's uids.
 */
async function applyAsDownloaded(namespace: string): Promise<void> {
  await kubeHttp(two.cluster, "/api/v1/namespaces", { body: { metadata: { name: namespace } } });
  const contents = await snapshotContents(two.repo.repository, two.snapshotId);
  const chain = [`widgets.${two.fixture.group}/root`, "configmaps/chain-middle", "configmaps/chain-leaf"];
  for (const path of chain) {
    const entry = contents.get(`namespaces/${two.fixture.namespace}/${path}.yaml`)!;
    const object = sanitize(structuredClone(entry.object));
    object.metadata.namespace = namespace;
    const res = await kubeHttp(two.cluster, collection(object, namespace), { body: object });
    expect(res.status, `${object.metadata.name}: ${res.text}`).toBe(201);
  }
}

describe("the garbage collector of a cluster with kube-controller-manager", () => {
  it("deletes a chain applied with its old owner uids, and keeps the chain the engine restored", async () => {
    const report = await restoreSnapshot({
      client: two.target,
      repository: two.repo.repository,
      snapshotId: two.snapshotId,
    });
    expect(report.failures()).toEqual([]);
    const path = (namespace: string, name: string) => `/api/v1/namespaces/${namespace}/configmaps/${name}`;
    const uidOf = async (namespace: string, name: string) =>
      (await kubeHttp(two.cluster, path(namespace, name))).body.metadata.uid as string;
    const restored = {
      middle: await uidOf(two.fixture.namespace, "chain-middle"),
      leaf: await uidOf(two.fixture.namespace, "chain-leaf"),
    };

    const naive = "rgc-naive";
    await applyAsDownloaded(naive);
    expect(await statusOf(two.cluster, path(naive, "chain-middle"))).toBe(200);
    // A marker restored the naive way after the engine's objects: once the collector has deleted
    // it, it has seen the engine's objects too.
    const ghost = [{ apiVersion: "v1", kind: "ConfigMap", name: "gone", uid: "00000000-0000-4000-8000-00000000dead" }];
    const marker = { metadata: { name: "gc-marker", ownerReferences: ghost } };
    expect(
      (await kubeHttp(two.cluster, `/api/v1/namespaces/${two.fixture.namespace}/configmaps`, { body: marker })).status,
    ).toBe(201);

    for (const name of ["chain-middle", "chain-leaf"]) {
      await eventually(`the collector to delete ${naive}/${name}`, async () =>
        (await statusOf(two.cluster, path(naive, name))) === 404 ? true : undefined,
      );
    }
    await eventually("the collector to delete the marker", async () =>
      (await statusOf(two.cluster, path(two.fixture.namespace, "gc-marker"))) === 404 ? true : undefined,
    );
    expect(await uidOf(two.fixture.namespace, "chain-middle")).toBe(restored.middle);
    expect(await uidOf(two.fixture.namespace, "chain-leaf")).toBe(restored.leaf);
    expect(await statusOf(two.cluster, `/apis/${two.fixture.group}/v1/namespaces/${naive}/widgets/root`)).toBe(200);
  });
});
