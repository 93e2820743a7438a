import { resourceTypeOf } from "@kubedump/api";
import { createKubeClient, watchEvents } from "@kubedump/kube";
import { parseTextFormat } from "@kubedump/metrics";
import { createQueue, createRedis, type Queue, QUEUES, type RestoreJob } from "@kubedump/queue";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { kubeHttp } from "@kubedump/testenv";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createConfig,
  createRestoreSession,
  createSession,
  getObj,
  installCrds,
  type Obj,
  setupRepository,
  waitFor,
  waitForRestoreSession,
  waitForSession,
} from "../../../test/e2e/harness.js";
import { BUCKET, makeRepositoryUnreachable, startGateway, startWorkerRig, type WorkerRig } from "./test-support.js";

// A snapshot made by a backup job, restored by RestoreSessions through the real restores queue and
// the dump worker app: into a mapped namespace, as a dry run, from a snapshot that is not there,
// from a damaged one, and from a repository that cannot be reached.

const t = inject("testenv");
const RUN = Date.now().toString(36).slice(-6);
const NS = `dwr-src-${RUN}`;
const PREFIX = `dwr-${RUN}`;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let rig: WorkerRig;
let redis: Redis;
let restores: Queue<RestoreJob>;
let snapshotId: string;

beforeAll(async () => {
  await installCrds(t);
  gateway = await startGateway(t, `dwr-${RUN}`);
  rig = await startWorkerRig(t, { queuePrefix: `dwr-${RUN}`, gatewayUrl: gateway.url });
  redis = createRedis(t.redisUrl);
  restores = createQueue<RestoreJob>(QUEUES.restores, { connection: redis, prefix: `dwr-${RUN}` });
  await setupRepository(t, NS, { prefix: PREFIX });
  for (const [name, app] of [
    ["web", "web"],
    ["db", "db"],
  ]) {
    const body = { metadata: { name, labels: { app } }, data: { greeting: `héllo ${name}` } };
    expect((await kubeHttp(t, `/api/v1/namespaces/${NS}/configmaps`, { body })).status).toBe(201);
  }
  await createConfig(t, NS, "c", {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: NS } },
  });
  const backup = await createSession(t, NS, "b", "c");
  await rig.enqueue(backup);
  const done = await waitForSession(t, NS, "b");
  expect(done.status.phase).toBe("Succeeded");
  snapshotId = done.status.snapshot.id;
}, 120_000);

afterAll(async () => {
  await restores?.obliterate({ force: true }).catch(() => {});
  await restores?.close();
  redis?.disconnect();
  await rig?.close();
  await gateway?.stop();
});

/** Creates RestoreSession `name` in NS and enqueues it as the watcher does; resolves once it has finished. */
async function restore(name: string, spec: Obj): Promise<Obj> {
  const { uid } = (await createRestoreSession(t, NS, name, spec)).metadata;
  await restores.add("restore", { namespace: NS, name, uid }, { jobId: uid, attempts: 1 });
  return waitForRestoreSession(t, NS, name);
}

/** The restore metrics the gateway serves for one session: `name` or `name{outcome}` → value. */
async function restoreMetrics(session: string): Promise<Record<string, number>> {
  const res = await fetch(`${gateway.url}/metrics`);
  const out: Record<string, number> = {};
  for (const family of parseTextFormat(await res.text())) {
    for (const s of family.samples) {
      if (s.labels.namespace !== NS || s.labels.restore_session !== session) continue;
      out[s.labels.outcome ? `${s.name}{${s.labels.outcome}}` : s.name] = s.value;
    }
  }
  return out;
}

/** Every status of RestoreSession `name` after resourceVersion `from`, as a watch sees them, until it has finished. */
async function statusesUntilFinished(name: string, from: string): Promise<Obj[]> {
  const client = createKubeClient({ kubeconfig: t.kubeconfig });
  const statuses: Obj[] = [];
  try {
    const options = {
      namespace: NS,
      fieldSelector: `metadata.name=${name}`,
      resourceVersion: from,
      timeoutSeconds: 60,
    };
    for await (const e of watchEvents(client, resourceTypeOf("RestoreSession"), options)) {
      const status = (e.object as Obj).status;
      if (e.type !== "MODIFIED" || !status) continue;
      statuses.push(status);
      if (["Succeeded", "PartiallySucceeded", "Failed"].includes(status.phase)) break;
    }
  } finally {
    client.close();
  }
  return statuses;
}

const reasonsOf = async (name: string) =>
  (
    (await kubeHttp(t, `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3D${name}`)).body
      .items as Obj[]
  )
    .filter((e) => e.involvedObject.kind === "RestoreSession")
    .map((e) => e.reason);

describe("a restore job, through the real queue and worker", () => {
  it("restores the latest snapshot of a configuration into a mapped namespace: Succeeded, counts, metrics", async () => {
    const target = `dwr-dst-${RUN}`;
    const done = await restore("mapped", {
      backupConfiguration: "c",
      includeResources: ["configmaps", "namespaces"],
      namespaceMappings: [{ from: NS, to: target }],
    });
    expect(done.status).toMatchObject({ phase: "Succeeded", snapshot: snapshotId, failures: [], failuresTruncated: 0 });
    // The Namespace and both ConfigMaps (filtered to those types: no ServiceAccount, no Repository).
    expect(done.status.counts).toMatchObject({ created: 3, failed: 0 });
    expect(done.status.conditions.find((c: Obj) => c.type === "Restored")).toMatchObject({
      status: "True",
      reason: "RestoreSucceeded",
    });
    for (const name of ["web", "db"]) {
      const cm = await getObj(t, `/api/v1/namespaces/${target}/configmaps/${name}`);
      expect(cm?.data).toEqual({ greeting: `héllo ${name}` });
    }
    expect(await reasonsOf("mapped")).toEqual(["RestoreSucceeded"]);
    const metrics = await waitFor("the restore metrics on the gateway", async () => {
      const m = await restoreMetrics("mapped");
      return m.kubedump_restore_session_success === 1 ? m : undefined;
    });
    expect(metrics["kubedump_restore_objects_total{created}"]).toBe(3);
    expect(metrics["kubedump_restore_objects_total{failed}"]).toBe(0);
    expect(metrics.kubedump_restore_session_duration_seconds).toBeGreaterThanOrEqual(0);
  });

  it("creates nothing in a dry run, and reports what it would have created", async () => {
    const target = `dwr-dry-${RUN}`;
    const done = await restore("dry", {
      snapshot: snapshotId,
      dryRun: true,
      labelSelector: "app=web",
      includeResources: ["configmaps", "namespaces"],
      namespaceMappings: [{ from: NS, to: target }],
    });
    expect(done.status).toMatchObject({ phase: "Succeeded", snapshot: snapshotId });
    expect(done.status.counts).toMatchObject({ created: 2, failed: 0 }); // the Namespace and web
    expect((await kubeHttp(t, `/api/v1/namespaces/${target}`)).status).toBe(404);
  });

  it("writes its progress into the status while it runs, and the final figures when it ends", async () => {
    const target = `dwr-progress-${RUN}`;
    const spec = {
      snapshot: snapshotId,
      includeResources: ["configmaps"],
      namespaceMappings: [{ from: NS, to: target }],
    };
    const created = await createRestoreSession(t, NS, "progress", spec);
    const statuses = statusesUntilFinished("progress", created.metadata.resourceVersion);
    await restores.add(
      "restore",
      { namespace: NS, name: "progress", uid: created.metadata.uid },
      { jobId: created.metadata.uid, attempts: 1 },
    );

    const seen = await statuses;
    const running = seen.filter((s) => s.phase === "Running" && s.progress).map((s) => s.progress);
    const last = seen.at(-1)!;
    // First the snapshot is verified, every figure there from the start; objects only go forward.
    expect(running[0]).toEqual({ step: "verifying the snapshot", lastUpdateTime: expect.stringMatching(/Z$/) });
    expect(running.length).toBeGreaterThan(1);
    for (const p of running.slice(1)) expect(p).toMatchObject({ objects: 2, pass: 1, step: "configmaps" });
    const done = running.slice(1).map((p: Obj) => p.objectsDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    // web and db, and the namespace they go into (created first, not one of the selected objects)
    expect(last).toMatchObject({ phase: "Succeeded", counts: { created: 3 } });
    expect(last.progress).toEqual({ objects: 2, objectsDone: 2, pass: 1, lastUpdateTime: expect.any(String) });
  });

  it("fails naming a snapshot that is not in the repository, and pushes success 0", async () => {
    const missing = "20200101T000000Z-deadbeef";
    const done = await restore("missing", { snapshot: missing });
    expect(done.status.phase).toBe("Failed");
    const condition = done.status.conditions.find((c: Obj) => c.type === "Restored");
    expect(condition).toMatchObject({ status: "False", reason: "SnapshotNotFound" });
    expect(condition.message).toContain(`snapshot ${missing} not found`);
    expect(await reasonsOf("missing")).toEqual(["SnapshotNotFound"]);
    const metrics = await waitFor("the failed restore's metrics", async () => {
      const m = await restoreMetrics("missing");
      return m.kubedump_restore_session_success === 0 ? m : undefined;
    });
    expect(metrics["kubedump_restore_objects_total{created}"]).toBeUndefined();
  });

  it("fails on a damaged snapshot and writes nothing", async () => {
    const store = createS3ObjectStore({
      endpoint: t.s3Endpoint,
      bucket: BUCKET,
      prefix: PREFIX,
      accessKey: t.accessKey,
      secretKey: t.secretKey,
    });
    // The repository is format 2 (the default): the snapshot's objects are in the packs under data/.
    const packs: string[] = [];
    for await (const { key } of store.list("data/")) packs.push(key);
    expect(packs.length).toBeGreaterThan(0);
    for (const pack of packs) {
      const bytes = await store.getBuffer(pack);
      const middle = bytes.length >> 1;
      bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle); // same size, other bytes
      await store.put(pack, bytes);
    }
    const target = `dwr-damaged-${RUN}`;
    const done = await restore("damaged", { snapshot: snapshotId, namespaceMappings: [{ from: NS, to: target }] });
    expect(done.status.phase).toBe("Failed");
    const condition = done.status.conditions.find((c: Obj) => c.type === "Restored");
    expect(condition).toMatchObject({ status: "False", reason: "IntegrityCheckFailed" });
    expect(condition.message).toContain("damaged");
    expect((await kubeHttp(t, `/api/v1/namespaces/${target}`)).status).toBe(404);
  });

  // Last: it breaks the Repository for the rows above.
  it("fails when the repository cannot be reached, with nothing retried", async () => {
    await makeRepositoryUnreachable(t, NS);
    const done = await restore("unreachable", { snapshot: snapshotId });
    expect(done.status.phase).toBe("Failed");
    expect(done.status.conditions.find((c: Obj) => c.type === "Restored")).toMatchObject({
      status: "False",
      reason: "RestoreFailed",
    });
    expect(await reasonsOf("unreachable")).toEqual(["RestoreFailed"]);
    const failures = rig.logs.filter((l) => l.restoreSession === "unreachable" && l.level >= 40);
    expect(failures.map((l) => l.msg.split(":")[0])).toEqual(["restore failed"]);
  });
});
