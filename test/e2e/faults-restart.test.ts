import { readFileSync } from "node:fs";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { configOfSet, type FaultBench, makeConfigMaps, startFaultBench, type Worker } from "./fault-bench.js";
import { leftovers, pruneNow, readIntoDump } from "./fault-observe.js";
import { createRestoreSession, type Obj, stopService, waitFor, waitForRestoreSession } from "./harness.js";
import { conditionOf } from "./test-namespace.js";

// Issue 17, fault 7: the API server restarted (SIGTERM, 5 s down, then started again on the same
// port with the same etcd) in the middle of a backup and of a restore. A backup completes (its
// record step waits for the API server) or fails naming it, never with a shorter snapshot; a
// restore completes or fails naming it, and a second RestoreSession of the snapshot completes it.

let b: FaultBench;
const NS = "e2e-frs";
const COPY = "e2e-frs-copy";
const LIST_BYTES = 4 * 600_000;
const MANY = 300;

beforeAll(async () => {
  b = await startFaultBench(inject("testenv"), NS);
  await makeConfigMaps(b.e2e, "list", 4, 600_000);
  await makeConfigMaps(b.e2e, "many", MANY, 100, "m");
  await configOfSet(b.e2e, "once", "list");
  await configOfSet(b.e2e, "many", "many");
  await kubeHttp(b.t, "/api/v1/namespaces", { body: { metadata: { name: COPY } } });
});
afterAll(async () => {
  await b?.stop();
});

/** How long the API server stays stopped before it starts again: a single control plane's restart. */
const DOWN_MS = 5000;

/** Stops the API server, keeps it down DOWN_MS, then starts it again on its port; returns how long it was away, in ms. */
async function restartApiServer(): Promise<number> {
  const down = Date.now();
  await b.cluster.stopApiServer();
  await b.toxiproxy.client.reset();
  await new Promise((r) => setTimeout(r, DOWN_MS));
  await b.cluster.startApiServer();
  return Date.now() - down;
}

/** Starts a backup through a 100 KB/s API proxy and restarts the API server a quarter into its LIST. */
async function restartMidList(label: string, config: string, session: string): Promise<Worker> {
  const worker = b.worker(label, { slowApi: true });
  await b.toxiproxy.client.addToxic(b.proxies.api, { type: "bandwidth", attributes: { rate: 100 } });
  await b.e2e.createSession(session, config);
  await waitFor("a quarter of the LIST read", readIntoDump(worker, LIST_BYTES / 4), 90_000, 50);
  expect(await restartApiServer()).toBeGreaterThanOrEqual(DOWN_MS);
  return worker;
}

/** The worker's warnings and errors that name the API server: it met the outage. */
const metOutage = (w: Worker) =>
  readFileSync(w.process.logFile, "utf8")
    .split("\n")
    .filter((l) => /"level":(40|50)/.test(l) && l.includes("API server"));

describe("the API server restarted mid-backup", () => {
  it("finishes, Succeeded with every object or Failed naming the API server; nothing left over", {
    timeout: 300_000,
  }, async () => {
    const worker = await restartMidList("w-once", "once", "once-1");
    const done = await b.e2e.waitForSession("once-1", 180_000);
    await stopService(worker.process);
    expect(metOutage(worker).length, "log lines of the worker about the API server away").toBeGreaterThan(0);
    const repository = await b.e2e.repository();
    const mine = (await repository.listSnapshots()).filter((m) => m.source.name === "once-1");
    if (done.status.phase === "Succeeded") {
      expect(mine.map((m) => m.id)).toEqual([done.status.snapshot.id]);
      expect(await repository.verify(done.status.snapshot.id)).toMatchObject({ ok: true, objects: 4 });
    } else {
      expect(done.status.phase).toBe("Failed");
      expect(conditionOf(done, "SnapshotCommitted")?.message).toMatch(/API server/);
      expect(mine).toEqual([]);
    }
    await pruneNow(b.t, b.e2e.prefix);
    expect(await leftovers(b.t, b.e2e.prefix)).toEqual({ strayKeys: [], unfinished: [], uploads: [] });
  });
});

describe("the API server restarted mid-restore", () => {
  it("completes, or counts its failures, or fails naming the API server; a second RestoreSession completes it", {
    timeout: 300_000,
  }, async () => {
    const worker = b.worker("w-restore", { env: { RESTORE_KUBE_QPS: "20", RESTORE_KUBE_BURST: "1" } });
    await b.e2e.createSession("many-1", "many");
    expect((await b.e2e.waitForSession("many-1")).status.snapshot.objects).toBe(MANY);
    const spec = { backupConfiguration: "many", namespaceMappings: [{ from: NS, to: COPY }] };
    await createRestoreSession(b.t, NS, "r1", spec);
    await waitFor("60 ConfigMaps restored", async () => ((await restored()) >= 60 ? true : undefined), 120_000, 100);
    const awayMs = await restartApiServer();
    const first = await waitForRestoreSession(b.t, NS, "r1", 180_000);
    const afterFirst = await restored();
    expect(awayMs).toBeGreaterThanOrEqual(DOWN_MS);
    if (first.status.phase === "Succeeded") expect(afterFirst).toBe(MANY);
    else if (first.status.phase === "PartiallySucceeded") expect(first.status.counts.failed).toBeGreaterThan(0);
    else expect(conditionOf(first, "Restored")?.message).toMatch(/^cannot reach the API server/);

    await createRestoreSession(b.t, NS, "r2", spec);
    const second = await waitForRestoreSession(b.t, NS, "r2", 180_000);
    await stopService(worker.process);
    expect(second.status.phase).toBe("Succeeded");
    expect(second.status.counts).toMatchObject({ failed: 0, created: MANY - afterFirst, unchanged: afterFirst });
    expect(await restored()).toBe(MANY);
  });
});

/** ConfigMaps of set "many" in the restore's target namespace. */
async function restored(): Promise<number> {
  const res = await kubeHttp(b.t, `/api/v1/namespaces/${COPY}/configmaps?labelSelector=set%3Dmany`);
  return (res.body.items as Obj[]).length;
}
