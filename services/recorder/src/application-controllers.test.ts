// The recorder following a Deployment with includeDependants on a second cluster that runs
// kube-controller-manager: the ReplicaSets and Pods the controllers make and delete (watched by
// separate watches, in no order between types) are recorded as the application's at each moment,
// the objects of another Deployment of the namespace never.
import { describeScope } from "@kubedump/dump";
import type { KubeObject } from "@kubedump/kube";
import { JournalReader } from "@kubedump/repository/journal";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { type ExtraCluster, kubeHttp, s3StoreOptions, startExtraCluster, type TestEnvInfo } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { E2E_BUCKET, waitFor } from "../../../test/e2e/harness.js";
import { testNamespace } from "../../../test/e2e/test-namespace.js";
import type { RecorderApp } from "./app.js";
import { journalBlobs, kubeWrite, liveBlobs, startTestRecorder } from "./test-support.js";

const env = inject("testenv");
const RESOURCES = ["deployments", "replicasets", "pods"];

const deployment = (name: string, replicas: number) => ({
  metadata: { name },
  spec: {
    replicas,
    strategy: { type: "Recreate" },
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
  },
});

describe("the recorder of a Deployment's application, with the controllers running", () => {
  let cluster: ExtraCluster;
  let t: TestEnvInfo;
  let app: RecorderApp | undefined;
  let reader: JournalReader;
  const ns = "recorder-app-kcm";
  const paths = {
    deployments: `/apis/apps/v1/namespaces/${ns}/deployments`,
    replicasets: `/apis/apps/v1/namespaces/${ns}/replicasets`,
    pods: `/api/v1/namespaces/${ns}/pods`,
  };
  const collections = [
    { path: paths.deployments, apiVersion: "apps/v1", kind: "Deployment" },
    { path: paths.replicasets, apiVersion: "apps/v1", kind: "ReplicaSet" },
    { path: paths.pods, apiVersion: "v1", kind: "Pod" },
  ];

  /** `resource/name` of Deployment web and what names it, or one of its dependants, as owner now. */
  async function liveApplication(): Promise<Set<string>> {
    const objects: [string, KubeObject][] = [];
    for (const path of Object.values(paths))
      for (const o of (await kubeHttp(t, path)).body.items as KubeObject[])
        objects.push([path.split("/").at(-1) ?? "", o]);
    const web = objects.find(([r, o]) => r === "deployments" && o.metadata.name === "web")?.[1].metadata.uid;
    const members = new Set(web ? [web] : []);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [, o] of objects)
        if (!members.has(o.metadata.uid ?? "") && o.metadata.ownerReferences?.some((r) => members.has(r.uid))) {
          members.add(o.metadata.uid ?? "");
          grew = true;
        }
    }
    return new Set(
      objects.filter(([, o]) => members.has(o.metadata.uid ?? "")).map(([r, o]) => `${r}/${o.metadata.name}`),
    );
  }

  /** Waits until the journal holds the application as the cluster has it, `check` saying the cluster is there. */
  function converged(what: string, check: (live: Set<string>) => boolean) {
    return waitFor(
      `the journal to hold the application ${what}`,
      async () => {
        const keys = await liveApplication();
        if (!check(keys)) return undefined;
        const live = await liveBlobs(t, collections);
        const { blobs } = await journalBlobs(reader, Date.now(), RESOURCES);
        const want = [...keys].map((k) => [k, live.get(k)]).sort();
        return JSON.stringify([...blobs].sort()) === JSON.stringify(want) ? keys : undefined;
      },
      90_000,
      250,
    );
  }
  const count = (keys: Set<string>, prefix: string) => [...keys].filter((k) => k.startsWith(prefix)).length;

  beforeAll(async () => {
    cluster = await startExtraCluster({ controllers: true });
    t = { ...env, ...cluster, controllers: true };
    const space = testNamespace(t, ns);
    await space.setup({ format: 2 });
    await space.createConfig("app", {
      schedule: "0 0 1 1 *",
      mode: "Continuous",
      target: { ref: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
      task: { params: [{ name: "includeDependants", value: "true" }] },
    });
    const target = { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: ns };
    reader = new JournalReader({
      store: createS3ObjectStore(s3StoreOptions(env, E2E_BUCKET, space.prefix)),
      keys: null,
      scope: {
        scope: describeScope({ type: "application", target, includeDependants: true }),
        params: { includeDependants: "true" },
      },
    });
    app = await startTestRecorder(t, ns);
    await space.waitForCondition("backupconfigurations", "app", "Recording", "True");
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  it("records the ReplicaSets and Pods the controllers make, through a rollout and the Deployment's deletion", async () => {
    await kubeWrite(t, "POST", paths.deployments, deployment("other", 1));
    await kubeWrite(t, "POST", paths.deployments, deployment("web", 2));
    const first = await converged("with its ReplicaSet and 2 Pods", (k) => count(k, "pods/") === 2);
    expect(count(first, "replicasets/")).toBe(1);

    // A rollout (Recreate): the old ReplicaSet scaled to 0, its Pods deleted, a new one with 2 Pods.
    await kubeHttp(t, `${paths.deployments}/web`, {
      method: "PATCH",
      body: { spec: { template: { metadata: { annotations: { rev: "2" } } } } },
      contentType: "application/merge-patch+json",
    });
    const second = await converged(
      "after the rollout",
      (k) =>
        count(k, "replicasets/") === 2 &&
        count(k, "pods/") === 2 &&
        ![...k].some((p) => first.has(p) && p.startsWith("pods/")),
    );
    expect(count(second, "pods/")).toBe(2);

    // The Deployment deleted: the collector deletes its ReplicaSets and Pods; the journal holds nothing.
    await kubeWrite(t, "DELETE", `${paths.deployments}/web`);
    await converged("once the Deployment is gone", (k) => k.size === 0);
    const changes = (await reader.slice()).changes;
    expect(changes.filter((c) => c.ref.name.startsWith("other"))).toEqual([]);
    expect(changes.filter((c) => c.ref.resource === "pods" && c.kind === "added")).toHaveLength(4);
  });
});
