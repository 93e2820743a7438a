import { sanitize } from "@kubedump/dump";
import type { KubeClient, KubeObject } from "@kubedump/kube";
import { type ExtraCluster, kubeHttp, startExtraCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { restoreSnapshot } from "./restore-snapshot.js";
import {
  backupFixture,
  clientOf,
  type Fixture,
  localRepository,
  seedFixture,
  snapshotContents,
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
      fixture = await seedFixture(env, "rrt");
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

const widgets = () => `widgets.${fixture.group}`;
const restore = (options = {}) => restoreSnapshot({ client: target, repository: repo.repository, snapshotId, options });

/** An object as both clusters should hold it: what the server sets, and owner uids, left out. */
function comparable(object: KubeObject): KubeObject {
  const out = sanitize(structuredClone(object));
  const refs = out.metadata.ownerReferences?.map(({ uid: _, ...ref }) => ref);
  if (refs) out.metadata.ownerReferences = refs as never;
  return out;
}

/** The target cluster's objects, backed up the same way as the source's. */
async function backupTarget() {
  const id = await backupFixture(target, repo.repository, fixture);
  return snapshotContents(repo.repository, id);
}

const versions = (contents: Awaited<ReturnType<typeof backupTarget>>) =>
  [...contents].map(([path, { object }]) => [path, object.metadata.resourceVersion]);

describe("restoreSnapshot, round trip onto a second cluster", () => {
  it("restores every object, and a backup of the second cluster holds the same objects with its own uids", async () => {
    const report = await restore({ restoreStatus: [widgets()] });

    const before = await snapshotContents(repo.repository, snapshotId);
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

    const after = await backupTarget();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [path, { object }] of before) {
      expect(comparable(after.get(path)!.object), path).toEqual(comparable(object));
    }
    const widget = (c: typeof before) => c.get(`namespaces/${fixture.namespace}/${widgets()}/root.yaml`)!;
    expect(widget(after).object["status"]).toEqual({ ready: true });
    expect(widget(after).record.uid).not.toBe(widget(before).record.uid);

    // Every ownerReference points at the owner's uid in the second cluster.
    const uidOf = new Map([...after.values()].map(({ record }) => [`${record.kind}/${record.name}`, record.uid]));
    const refs = [...after.values()].flatMap(({ object }) => object.metadata.ownerReferences ?? []);
    expect(refs.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(["ConfigMap/chain-middle", "Widget/root"]);
    for (const ref of refs) expect(ref.uid).toBe(uidOf.get(`${ref.kind}/${ref.name}`));
    const secret = after.get(`namespaces/${fixture.namespace}/secrets/credentials.yaml`)!.object;
    expect(Buffer.from((secret["data"] as { password: string }).password, "base64").toString()).toBe("s3cr3t-rrt");
    const settings = after.get(`namespaces/${fixture.namespace}/configmaps/settings.yaml`)!.object;
    expect(Buffer.from((settings["binaryData"] as Record<string, string>)["blob.bin"]!, "base64")).toEqual(
      fixture.blob,
    );
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
    const leaf = `/api/v1/namespaces/${fixture.namespace}/configmaps/chain-leaf`;
    const patch = { method: "PATCH", contentType: "application/merge-patch+json" };
    await kubeHttp(cluster, leaf, { ...patch, body: { data: { level: "changed", extra: "x" } } });
    const before = await backupTarget();

    const left = await restore();
    const leafOutcome = (r: typeof left) => r.byType().find(([type]) => type === "configmaps")![1];
    expect(leafOutcome(left)).toMatchObject({ exists: 1, unchanged: 2 });
    expect((await kubeHttp(cluster, leaf)).body.data).toEqual({ level: "changed", extra: "x" });

    const updated = await restore({ existingResourcePolicy: "update" });

    expect(leafOutcome(updated)).toMatchObject({ updated: 1, unchanged: 2 });
    expect(updated.totals()).toMatchObject({ updated: 1, unchanged: before.size - 1, created: 0, failed: 0 });
    const live = (await kubeHttp(cluster, leaf)).body;
    expect(live.data).toEqual({ level: "3", extra: "x" }); // applied: the snapshot's field, another manager's kept
    expect(live.metadata.managedFields.map((f: { manager: string }) => f.manager)).toContain("kubedump");
    const moved = [...(await backupTarget())].filter(
      ([path, { object }]) => before.get(path)!.object.metadata.resourceVersion !== object.metadata.resourceVersion,
    );
    expect(moved.map(([path]) => path)).toEqual([`namespaces/${fixture.namespace}/configmaps/chain-leaf.yaml`]);
  });
});
