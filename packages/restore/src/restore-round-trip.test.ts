import { sanitize } from "@kubedump/dump";
import type { KubeObject } from "@kubedump/kube";
import { kubeHttp } from "@kubedump/testenv";
import { describe, expect, inject, it } from "vitest";
import { restoreSnapshot } from "./restore-snapshot.js";
import { backupFixture, type Fixture, snapshotContents, useSecondCluster } from "./test-support.js";

const env = inject("testenv");
const two = useSecondCluster(env, "rrt", { controllers: true });

const widgets = () => `widgets.${two.fixture.group}`;
const restore = (options = {}) =>
  restoreSnapshot({ client: two.target, repository: two.repo.repository, snapshotId: two.snapshotId, options });

/** An object as both clusters should hold it: what the server sets, and owner uids, left out. */
function comparable(object: KubeObject): KubeObject {
  const out = sanitize(structuredClone(object));
  const refs = out.metadata.ownerReferences?.map(({ uid: _, ...ref }) => ref);
  if (refs) out.metadata.ownerReferences = refs as never;
  return out;
}

/** The target cluster's objects, backed up the same way as the source's. */
async function backupTarget() {
  const id = await backupFixture(two.target, two.repo.repository, two.fixture);
  return snapshotContents(two.repo.repository, id);
}

const versions = (contents: Contents) =>
  [...contents].map(([path, { object }]) => [path, object.metadata.resourceVersion]);

type Contents = Awaited<ReturnType<typeof backupTarget>>;
/** The fixture's snapshot, and the backup of the second cluster after the first restore. */
let before: Contents;
let after: Contents;

/** Each kind of object issue 15 names for the round trip, by its paths in both snapshots. */
const ROUND_TRIP: [string, (f: Fixture) => string[]][] = [
  [
    "the CustomResourceDefinitions",
    (f) => [`widgets.${f.group}`, `configmaps.${f.group}`].map((n) => `cluster/${CRDS}/${n}.yaml`),
  ],
  ["a custom resource with a status", (f) => [`namespaces/${f.namespace}/widgets.${f.group}/root.yaml`]],
  [
    "a custom ConfigMap Kind beside the core ConfigMap of the same name",
    (f) => [`configmaps.${f.group}`, "configmaps"].map((t) => `namespaces/${f.namespace}/${t}/settings.yaml`),
  ],
  ["an ownership chain three deep", (f) => chainPaths(f)],
  [
    "cluster-scoped RBAC, and a RoleBinding naming its ClusterRole",
    (f) => [
      `cluster/clusterroles.rbac.authorization.k8s.io/${f.clusterRole}.yaml`,
      `cluster/clusterrolebindings.rbac.authorization.k8s.io/${f.clusterRole}.yaml`,
      `namespaces/${f.namespace}/rolebindings.rbac.authorization.k8s.io/runner-reads.yaml`,
    ],
  ],
  ["a Secret", (f) => [`namespaces/${f.namespace}/secrets/credentials.yaml`]],
  [
    "the Namespace and a ServiceAccount",
    (f) => [`cluster/namespaces/${f.namespace}.yaml`, `namespaces/${f.namespace}/serviceaccounts/runner.yaml`],
  ],
];
const CRDS = "customresourcedefinitions.apiextensions.k8s.io";
/** root (a Widget) → chain-middle → chain-leaf, each owned by the one before. */
const chainPaths = (f: Fixture) => [
  `namespaces/${f.namespace}/widgets.${f.group}/root.yaml`,
  `namespaces/${f.namespace}/configmaps/chain-middle.yaml`,
  `namespaces/${f.namespace}/configmaps/chain-leaf.yaml`,
];

describe("restoreSnapshot, round trip onto a second cluster", () => {
  it("restores every object, and a backup of the second cluster holds the same objects with its own uids", async () => {
    const report = await restore({ restoreStatus: [widgets()] });

    before = await snapshotContents(two.repo.repository, two.snapshotId);
    expect(before.size).toBe(13); // the fixture, see seedFixture
    expect(report.failures()).toEqual([]);
    expect(report.totals()).toEqual({
      created: before.size,
      updated: 0,
      unchanged: 0,
      exists: 0,
      skipped: 0,
      failed: 0,
    });

    after = await backupTarget();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [path, { object }] of before) {
      expect(comparable(after.get(path)!.object), path).toEqual(comparable(object));
    }
    const widget = (c: typeof before) => c.get(`namespaces/${two.fixture.namespace}/${widgets()}/root.yaml`)!;
    expect(widget(after).object["status"]).toEqual({ ready: true });

    // Every ownerReference points at the owner's uid in the second cluster.
    const uidOf = new Map([...after.values()].map(({ record }) => [`${record.kind}/${record.name}`, record.uid]));
    const refs = [...after.values()].flatMap(({ object }) => object.metadata.ownerReferences ?? []);
    expect(refs.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(["ConfigMap/chain-middle", "Widget/root"]);
    for (const ref of refs) expect(ref.uid).toBe(uidOf.get(`${ref.kind}/${ref.name}`));
  });

  it.each(ROUND_TRIP)("%s: in both snapshots, equal but for uids, under new uids", (_what, pathsOf) => {
    const paths = pathsOf(two.fixture);
    for (const path of paths) {
      const [was, is] = [before.get(path), after.get(path)];
      expect(was, `${path} in the fixture's snapshot`).toBeDefined();
      expect(is, `${path} in the second cluster's`).toBeDefined();
      expect(comparable(is!.object), path).toEqual(comparable(was!.object));
      expect(is!.object.metadata.uid, path).toBe(is!.record.uid);
      expect(is!.record.uid, path).not.toBe(was!.record.uid);
    }
  });

  it("links the chain to the second cluster's uids, link by link", () => {
    const [root, middle, leaf] = chainPaths(two.fixture).map((p) => after.get(p)!.object);
    const ownerOf = (o: KubeObject) => o.metadata.ownerReferences?.map(({ kind, name, uid }) => ({ kind, name, uid }));
    expect(ownerOf(middle!)).toEqual([{ kind: "Widget", name: "root", uid: root!.metadata.uid }]);
    expect(ownerOf(leaf!)).toEqual([{ kind: "ConfigMap", name: "chain-middle", uid: middle!.metadata.uid }]);
    expect(ownerOf(root!)).toBeUndefined();
  });

  it("keeps the custom ConfigMap Kind and the core one apart, and their contents byte for byte", () => {
    const [custom, core] = ROUND_TRIP[2]![1](two.fixture).map((p) => after.get(p)!.object);
    expect([custom!.apiVersion, custom!.kind]).toEqual([`${two.fixture.group}/v1`, "ConfigMap"]);
    expect([core!.apiVersion, core!.kind]).toEqual(["v1", "ConfigMap"]);
    expect(custom!["spec"]).toEqual({ color: "blue", size: 1 });
    // binaryData: every byte value once; unicode in data and in an annotation.
    expect(Buffer.from((core!["binaryData"] as Record<string, string>)["blob.bin"]!, "base64")).toEqual(
      two.fixture.blob,
    );
    expect(core!["data"]).toEqual({ "greeting.txt": "grüße, 世界 🌍\nzweite Zeile\n", empty: "" });
    expect(core!.metadata.annotations?.["note"]).toBe("Grüße, 世界 🌍");
    const root = after.get(chainPaths(two.fixture)[0]!)!.object;
    expect(root["spec"]).toEqual({ color: "grün", size: 3 });
  });

  it("restores the Secret's value", () => {
    const secret = after.get(`namespaces/${two.fixture.namespace}/secrets/credentials.yaml`)!.object;
    expect(Buffer.from((secret["data"] as { password: string }).password, "base64").toString()).toBe("s3cr3t-rrt");
  });

  it("changes nothing when run again: every object unchanged, no resourceVersion moved", async () => {
    const before = await backupTarget();

    const report = await restore({ restoreStatus: [widgets()] });

    expect(report.totals()).toEqual({
      created: 0,
      updated: 0,
      unchanged: before.size,
      exists: 0,
      skipped: 0,
      failed: 0,
    });
    expect(versions(await backupTarget())).toEqual(versions(before));
  });

  it("under the update policy, applies only what differs, and reports just that as updated", async () => {
    const leaf = `/api/v1/namespaces/${two.fixture.namespace}/configmaps/chain-leaf`;
    const patch = { method: "PATCH", contentType: "application/merge-patch+json" };
    await kubeHttp(two.cluster, leaf, { ...patch, body: { data: { level: "changed", extra: "x" } } });
    const before = await backupTarget();

    const left = await restore();
    const leafOutcome = (r: typeof left) => r.byType().find(([type]) => type === "configmaps")![1];
    expect(leafOutcome(left)).toMatchObject({ exists: 1, unchanged: 2 });
    expect((await kubeHttp(two.cluster, leaf)).body.data).toEqual({ level: "changed", extra: "x" });

    const updated = await restore({ existingResourcePolicy: "update" });

    expect(leafOutcome(updated)).toMatchObject({ updated: 1, unchanged: 2 });
    expect(updated.totals()).toMatchObject({ updated: 1, unchanged: before.size - 1, created: 0, failed: 0 });
    const live = (await kubeHttp(two.cluster, leaf)).body;
    expect(live.data).toEqual({ level: "3", extra: "x" }); // applied: the snapshot's field, another manager's kept
    expect(live.metadata.managedFields.map((f: { manager: string }) => f.manager)).toContain("kubedump");
    const moved = [...(await backupTarget())].filter(
      ([path, { object }]) => before.get(path)!.object.metadata.resourceVersion !== object.metadata.resourceVersion,
    );
    expect(moved.map(([path]) => path)).toEqual([`namespaces/${two.fixture.namespace}/configmaps/chain-leaf.yaml`]);
  });
});
