// The recorder in this process against the test API server and MinIO: what it records of a
// Continuous BackupConfiguration's namespace, what it drops, CRDs appearing, a restart.
import { storedYaml } from "@kubedump/dump";
import type { KubeObject } from "@kubedump/kube";
import { blobId } from "@kubedump/repository/format2";
import type { JournalReader } from "@kubedump/repository/journal";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "../../../test/e2e/harness.js";
import { testNamespace } from "../../../test/e2e/test-namespace.js";
import type { RecorderApp } from "./app.js";
import {
  createContinuousConfig,
  createWidgetCrd,
  kubeWrite,
  liveBlobs,
  namespaceJournal,
  startTestRecorder,
  waitForJournal,
} from "./test-support.js";

const t = inject("testenv");

/** The kinds of the recorded changes of one object, once the last is `last`. */
function historyOf(
  reader: JournalReader,
  resource: string,
  group: string,
  namespace: string,
  name: string,
  last: string,
) {
  return waitFor(
    `journal: ${resource} ${namespace}/${name} ${last}`,
    async () => {
      const { changes } = await reader.objectHistory({ group, resource, namespace, name });
      return changes.at(-1)?.kind === last ? changes : undefined;
    },
    60_000,
    200,
  );
}

describe("the recorder, one Continuous BackupConfiguration of a namespace", () => {
  const space = testNamespace(t, "recorder-basics");
  const ns = space.ns;
  let app: RecorderApp | undefined;
  let reader: JournalReader;

  beforeAll(async () => {
    await space.setup({ format: 2 });
    await createContinuousConfig(space);
    app = await startTestRecorder(t, ns);
    reader = namespaceJournal(space);
    await space.waitForCondition("backupconfigurations", "c", "Recording", "True");
  });
  afterAll(() => app?.close());

  it("records additions, modifications and deletions with the YAML a backup stores, and drops writes that change nothing once sanitized", async () => {
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    await kubeWrite(t, "POST", path, { metadata: { name: "a" }, data: { v: "1" } });
    const modified = (
      await kubeHttp(t, `${path}/a`, {
        method: "PATCH",
        body: { data: { v: "2" } },
        contentType: "application/merge-patch+json",
      })
    ).body as KubeObject;
    // Server-side apply of the same data by another manager: only managedFields change.
    const applied = await kubeHttp(t, `${path}/a?fieldManager=someone-else&force=true`, {
      method: "PATCH",
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { v: "2" } },
      contentType: "application/apply-patch+yaml",
    });
    expect(applied.body.metadata.resourceVersion).not.toBe(modified.metadata.resourceVersion);
    // A Deployment whose status alone changes, through the status subresource.
    const deployments = `/apis/apps/v1/namespaces/${ns}/deployments`;
    await kubeWrite(t, "POST", deployments, {
      metadata: { name: "web" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
      },
    });
    await kubeHttp(t, `${deployments}/web/status`, {
      method: "PATCH",
      body: { status: { observedGeneration: 1, replicas: 0 } },
      contentType: "application/merge-patch+json",
    });
    await kubeWrite(t, "DELETE", `${path}/a`);

    const changes = await historyOf(reader, "configmaps", "", ns, "a", "deleted");
    expect(changes.map((c) => c.kind)).toEqual(["added", "modified", "deleted"]);
    expect(changes[1]?.blob).toBe(blobId(null, storedYaml({ ...modified, apiVersion: "v1", kind: "ConfigMap" }, true)));
    expect(changes[1]?.resourceVersion).toBe(modified.metadata.resourceVersion);
    const web = await reader.objectHistory({ group: "apps", resource: "deployments", namespace: ns, name: "web" });
    expect(web.changes.map((c) => c.kind)).toEqual(["added"]);
  });

  it("records the objects of a CRD created while it runs", async () => {
    const group = `${ns}.example.com`;
    await createWidgetCrd(t, group);
    await kubeWrite(t, "POST", `/apis/${group}/v1/namespaces/${ns}/widgets`, {
      apiVersion: `${group}/v1`,
      kind: "Widget",
      metadata: { name: "w1" },
      spec: { size: 1 },
    });
    const changes = await historyOf(reader, "widgets", group, ns, "w1", "added");
    expect(changes).toHaveLength(1);
    expect(changes[0]?.ref.version).toBe("v1");
  });

  it("takes the journal up after a restart: the differences made meanwhile as changes, and a gap", async () => {
    await app?.close();
    const stopped = Date.now();
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    await kubeWrite(t, "POST", path, { metadata: { name: "while-down" }, data: { v: "1" } });
    app = await startTestRecorder(t, ns);
    const expected = await liveBlobs(t, [{ path, apiVersion: "v1", kind: "ConfigMap" }]);
    await waitForJournal(reader, expected, ["configmaps"]);
    // The gap comes before the relist's changes: it ends where the relist begins, and was appended first.
    const records = await reader.records({ from: stopped });
    const gap = records.findIndex((r) => r.type === "gap" && r.reason === "restart");
    const added = records.findIndex((r) => r.type === "change" && r.ref.name === "while-down" && r.kind === "added");
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(added).toBeGreaterThan(gap);
    const gaps = (await reader.slice({ from: stopped })).gaps;
    expect(gaps.find((g) => g.reason === "restart")?.to).toBeGreaterThanOrEqual(stopped);
    const config = await waitFor("status.recording.lastGap of c", async () => {
      const obj = await space.get("backupconfigurations", "c");
      return obj?.status?.recording?.lastGap?.reason === "restart" ? obj : undefined;
    });
    expect(Date.parse(config.status.recording.lastGap.to)).toBeGreaterThanOrEqual(stopped);
  });
});
