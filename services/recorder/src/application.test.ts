// The recorder following an application-scoped Continuous BackupConfiguration (a Deployment with
// includeDependants) against the test API server and MinIO: objects come into the application and
// leave it as their owner chains reach the target or stop reaching it, objects outside it are never
// recorded, a restart records nothing that did not change, and `kubedump restore --at` and
// `history` read the journal with the snapshot of the same scope. No controller-manager runs: the
// owners are set by hand, and nothing is collected as garbage.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describeScope } from "@kubedump/dump";
import { JournalReader, type JournalScope } from "@kubedump/repository/journal";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { kubeHttp, s3StoreOptions } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump } from "../../../packages/cli/src/test-support.js";
import { E2E_BUCKET, getObj, type Obj, waitFor } from "../../../test/e2e/harness.js";
import { testNamespace } from "../../../test/e2e/test-namespace.js";
import type { RecorderApp } from "./app.js";
import { journalBlobs, kubeWrite, liveBlobs, startTestRecorder, waitForJournal } from "./test-support.js";

const t = inject("testenv");
const RESOURCES = ["deployments", "replicasets", "configmaps", "secrets"];

describe("the recorder, one Continuous BackupConfiguration of a Deployment and its dependants", () => {
  const space = testNamespace(t, "recorder-app");
  const ns = space.ns;
  const paths = {
    deployments: `/apis/apps/v1/namespaces/${ns}/deployments`,
    replicasets: `/apis/apps/v1/namespaces/${ns}/replicasets`,
    configmaps: `/api/v1/namespaces/${ns}/configmaps`,
    secrets: `/api/v1/namespaces/${ns}/secrets`,
  };
  const collections = [
    { path: paths.deployments, apiVersion: "apps/v1", kind: "Deployment" },
    { path: paths.replicasets, apiVersion: "apps/v1", kind: "ReplicaSet" },
    { path: paths.configmaps, apiVersion: "v1", kind: "ConfigMap" },
    { path: paths.secrets, apiVersion: "v1", kind: "Secret" },
  ];
  const target = { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: ns };
  const store = createS3ObjectStore(s3StoreOptions(t, E2E_BUCKET, space.prefix));
  const scope: JournalScope = {
    scope: describeScope({ type: "application", target, includeDependants: true }),
    params: { includeDependants: "true" },
  };
  const reader = new JournalReader({ store, keys: null, scope });
  const cli = (args: string[]) => kubedump([...args, "--from-repository", `${ns}/repo`], { KUBECONFIG: t.kubeconfig });
  /** The moments checked again at the end: the journal's state then, and what it had to be. */
  const checkpoints: { time: number; expected: Map<string, string> }[] = [];
  const uids = new Map<string, string>();
  let app: RecorderApp | undefined;

  const ownerRef = (kind: string, name: string) => ({
    apiVersion: kind === "Secret" ? "v1" : "apps/v1",
    kind,
    name,
    uid: uids.get(name),
  });
  const create = async (resource: keyof typeof paths, body: Obj) => {
    const made = await kubeWrite(t, "POST", paths[resource], body);
    uids.set(made.metadata.name, made.metadata.uid);
  };
  const setOwners = (resource: keyof typeof paths, name: string, owners: Obj[] | null) =>
    kubeHttp(t, `${paths[resource]}/${name}`, {
      method: "PATCH",
      body: { metadata: { ownerReferences: owners } },
      contentType: "application/merge-patch+json",
    });
  /** Waits until the journal holds exactly these objects, as the cluster has them now; remembers the moment. */
  const expectRecorded = async (keys: string[]) => {
    const live = await liveBlobs(t, collections);
    const expected = new Map(keys.map((k) => [k, live.get(k) ?? `missing ${k}`]));
    await waitForJournal(reader, expected, RESOURCES);
    checkpoints.push({ time: Date.now(), expected });
  };
  const kindsOf = async (resource: keyof typeof paths, name: string) => {
    const group = resource === "deployments" || resource === "replicasets" ? "apps" : "";
    return (await reader.objectHistory({ group, resource, namespace: ns, name })).changes.map((c) => c.kind);
  };

  beforeAll(async () => {
    await space.setup({ format: 2 });
    await create("deployments", {
      metadata: { name: "web" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
      },
    });
    await create("replicasets", {
      metadata: { name: "web-1", ownerReferences: [ownerRef("Deployment", "web")] },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web", v: "1" } },
        template: {
          metadata: { labels: { app: "web", v: "1" } },
          spec: { containers: [{ name: "web", image: "nginx" }] },
        },
      },
    });
    await create("configmaps", {
      metadata: { name: "rs-child", ownerReferences: [ownerRef("ReplicaSet", "web-1")] },
      data: { v: "1" },
    });
    await create("configmaps", { metadata: { name: "outside" }, data: { v: "1" } });
    await create("secrets", { metadata: { name: "mid" }, stringData: { v: "1" } });
    await create("configmaps", {
      metadata: { name: "mid-child", ownerReferences: [ownerRef("Secret", "mid")] },
      data: { v: "1" },
    });
    // The anchor: a snapshot of the same scope and params as the configuration's, before recording.
    const anchor = await cli(["backup", "--target", `apps/v1/Deployment/${ns}/web`, "--include-dependants"]);
    expect(anchor.code, anchor.stderr).toBe(0);
    await space.createConfig("app", {
      schedule: "0 0 1 1 *",
      mode: "Continuous",
      target: { ref: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
      task: { params: [{ name: "includeDependants", value: "true" }] },
    });
    app = await startTestRecorder(t, ns);
    await space.waitForCondition("backupconfigurations", "app", "Recording", "True");
  });
  afterAll(() => app?.close());

  it("records the target and what its owner chain reaches, as objects gain and lose owners", async () => {
    await expectRecorded(["deployments/web", "replicasets/web-1", "configmaps/rs-child"]);

    // The Secret gains the Deployment as owner: it and the ConfigMap it owns come in.
    await setOwners("secrets", "mid", [ownerRef("Deployment", "web")]);
    const inApp = [
      "deployments/web",
      "replicasets/web-1",
      "configmaps/rs-child",
      "secrets/mid",
      "configmaps/mid-child",
    ];
    await expectRecorded(inApp);

    // A new object owned by a member comes in; a change outside the application is not recorded.
    await create("configmaps", { metadata: { name: "late", ownerReferences: [ownerRef("Secret", "mid")] }, data: {} });
    await kubeWrite(t, "PUT", `${paths.configmaps}/outside`, { metadata: { name: "outside" }, data: { v: "2" } });
    await kubeHttp(t, `${paths.configmaps}/rs-child`, {
      method: "PATCH",
      body: { data: { v: "2" } },
      contentType: "application/merge-patch+json",
    });
    await expectRecorded([...inApp, "configmaps/late"]);

    // The Secret loses its owner: it and everything below it leave.
    await setOwners("secrets", "mid", null);
    await expectRecorded(["deployments/web", "replicasets/web-1", "configmaps/rs-child"]);

    // The ReplicaSet goes (no garbage collector): the ConfigMap it owned is no longer in the application.
    await kubeWrite(t, "DELETE", `${paths.replicasets}/web-1`);
    await expectRecorded(["deployments/web"]);

    for (const { time, expected } of checkpoints) {
      const { blobs } = await journalBlobs(reader, time, RESOURCES);
      expect([...blobs].sort(), `state at ${new Date(time).toISOString()}`).toEqual([...expected].sort());
    }
    // Every segment of this journal so far was stored by this process, and counted.
    const segments = await reader.listSegments();
    const metrics = await (await fetch(`http://127.0.0.1:${app?.httpPort}/metrics`)).text();
    const counted = metrics
      .split("\n")
      .find(
        (l) =>
          l.startsWith("kubedump_recorder_segments_total{") &&
          l.includes(`namespace="${ns}"`) &&
          l.includes('name="app"'),
      );
    expect(segments.length).toBeGreaterThan(1);
    expect(Number(counted?.split(" ").at(-1))).toBe(segments.length);
    expect(await kindsOf("configmaps", "outside")).toEqual([]);
    expect(await kindsOf("secrets", "mid")).toEqual(["added", "deleted"]);
    expect(await kindsOf("configmaps", "mid-child")).toEqual(["added", "deleted"]);
    expect(await kindsOf("configmaps", "rs-child")).toEqual(["modified", "deleted"]);
  });

  it("records nothing that did not change across a restart, and a gap", async () => {
    await setOwners("secrets", "mid", [ownerRef("Deployment", "web")]);
    await expectRecorded(["deployments/web", "secrets/mid", "configmaps/mid-child", "configmaps/late"]);
    await app?.close();
    const stopped = Date.now();
    await create("configmaps", { metadata: { name: "while-down", ownerReferences: [ownerRef("Secret", "mid")] } });
    app = await startTestRecorder(t, ns);
    await expectRecorded([
      "deployments/web",
      "secrets/mid",
      "configmaps/mid-child",
      "configmaps/late",
      "configmaps/while-down",
    ]);
    const gaps = await waitFor("the restart gap in the journal", async () => {
      const { gaps } = await reader.slice({ from: stopped });
      return gaps.some((g) => g.reason === "restart") ? gaps : undefined;
    });
    expect(gaps.find((g) => g.reason === "restart")?.to).toBeGreaterThanOrEqual(stopped);
    // Listed before or after their owners, the members already held are neither deleted nor added again.
    expect(await kindsOf("configmaps", "mid-child")).toEqual(["added", "deleted", "added"]);
    expect(await kindsOf("configmaps", "late")).toEqual(["added", "deleted", "added"]);
    expect(await kindsOf("configmaps", "while-down")).toEqual(["added"]);
  });

  it("ends with the target: its deletion and its dependants' are recorded", async () => {
    await kubeWrite(t, "DELETE", `${paths.deployments}/web`);
    await expectRecorded([]);
    expect(await kindsOf("deployments", "web")).toEqual(["deleted"]);
    expect(await kindsOf("configmaps", "late")).toEqual(["added", "deleted", "added", "deleted"]);
  });

  it("restore, diff and download --at a moment, and history, read the anchor snapshot and the journal", async () => {
    const [first, withMid] = checkpoints;
    expect(withMid).toBeDefined();
    for (const [i, checkpoint] of [first, withMid].entries()) {
      const to = `${ns}-at${i}`;
      await kubeWrite(t, "POST", "/api/v1/namespaces", { metadata: { name: to } });
      const at = new Date(checkpoint?.time ?? 0).toISOString();
      const run = await cli(["restore", "--at", at, "--namespace-mappings", `${ns}:${to}`]);
      expect(run.code, run.stderr).toBe(0);
      const restored: string[] = [];
      for (const { path } of collections) {
        const list = await getObj(t, path.replace(`/namespaces/${ns}/`, `/namespaces/${to}/`));
        for (const item of (list?.items ?? []) as Obj[])
          restored.push(`${path.split("/").at(-1)}/${item.metadata.name}`);
      }
      expect(restored.sort(), `restore --at ${at}`).toEqual([...(checkpoint?.expected.keys() ?? [])].sort());
    }
    const moments = [first, withMid].map((c) => new Date(c?.time ?? 0).toISOString());
    const diff = await cli(["diff", "--at", moments[0] ?? "", "--at", moments[1] ?? "", "-o", "json"]);
    expect(diff.code, diff.stderr).toBe(1);
    const objects = (JSON.parse(diff.stdout) as { objects: { path: string; change: string }[] }).objects;
    expect(objects.map((o) => `${o.change} ${o.path}`).sort()).toEqual([
      `added namespaces/${ns}/configmaps/mid-child.yaml`,
      `added namespaces/${ns}/secrets/mid.yaml`,
    ]);
    const dir = mkdtempSync(join(tmpdir(), "recorder-app-"));
    const download = await cli(["download", "--at", moments[1] ?? "", "--to", dir]);
    expect(download.code, download.stderr).toBe(0);
    const files = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)));
    const fileOf = (key: string) => key.replace(/^(deployments|replicasets)\//, "$1.apps/");
    expect(files.sort()).toEqual(
      [...(withMid?.expected.keys() ?? [])].map((k) => `namespaces/${ns}/${fileOf(k)}.yaml`).sort(),
    );
    rmSync(dir, { recursive: true });
    const history = await cli(["history", `configmaps/${ns}/mid-child`, "-o", "json"]);
    expect(history.code, history.stderr).toBe(0);
    const changes = (JSON.parse(history.stdout) as { changes: { change: string }[] }).changes;
    expect(changes.map((c) => c.change)).toEqual(["added", "deleted", "added", "deleted"]);
  });
});
