import { createS3ObjectStore } from "@kubedump/repository/s3";
import { s3StoreOptions } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { E2E_BUCKET, type Obj, type Stack, startStack, waitFor } from "./harness.js";
import {
  createRepositoryAt,
  type FaultProxies,
  kubedumpCli,
  logEntries,
  s3Env,
  s3RepoUrl,
  seedConfigMaps,
  startFaultProxies,
} from "./faults-net-env.js";
import { conditionOf, testNamespace } from "./test-namespace.js";

// Item 2 of the fault suite: MinIO unreachable for 30 s while two snapshots are being uploaded.
// The dump worker reaches MinIO only through a Toxiproxy proxy (the Repository's endpoint); the
// test reads the bucket directly. A bandwidth toxic keeps each part upload going for about 15 s,
// so the outage starts in the middle of it.

const t = inject("testenv");
const e2e = testNamespace(t, "fn-minio");
const DATA = "fn-minio-data";
const OBJECTS = 150;
const OUTAGE_MS = 30_000;
let proxies: FaultProxies;
let stack: Stack;
let viaProxy: string;

const store = createS3ObjectStore(s3StoreOptions(t, E2E_BUCKET, e2e.prefix));

/** Snapshot ids in the bucket with each file they have so far. */
async function snapshotFiles(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for await (const { key } of store.list("snapshots/")) {
    const [, id, ...rest] = key.split("/");
    if (id) out.set(id, [...(out.get(id) ?? []), rest.join("/")]);
  }
  return out;
}

beforeAll(async () => {
  await e2e.setup();
  proxies = await startFaultProxies(t);
  viaProxy = (await proxies.minio("minio")).endpoint;
  // Format 1: the test tells an upload's progress by format 1's index and parts.
  await createRepositoryAt(t, e2e.ns, "via-proxy", viaProxy, e2e.prefix, "s3-secret", 1);
  await seedConfigMaps(t, DATA, OBJECTS, 12_000);
  const target = { ref: { apiVersion: "v1", kind: "Namespace", name: DATA } };
  const common = { schedule: "0 0 1 1 *", repository: { name: "via-proxy" }, target };
  await e2e.createConfig("retried", { ...common, retryConfig: { maxRetry: 4, delay: "5s" } });
  await e2e.createConfig("once", common);
  stack = await startStack(e2e);
  await e2e.waitForPhase("backupconfigurations", "retried", "Ready");
  await e2e.waitForPhase("backupconfigurations", "once", "Ready");
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  await proxies?.stop();
});

describe("faults: MinIO unreachable", () => {
  it("for 30 s mid-upload: a retried backup commits once, one without retries fails saying so, no half-written snapshot is listed", {
    timeout: 400_000,
  }, async () => {
    await proxies.toxiproxy.client.addToxic(
      "minio",
      { type: "bandwidth", attributes: { rate: 100 } },
      {
        stream: "upstream",
      },
    );
    await e2e.createSession("retried-now", "retried");
    await e2e.createSession("once-now", "once");
    // Both indexes are stored (they go alongside the parts) and neither snapshot.json: the parts are on their way.
    const midUpload = await waitFor(
      "two snapshots with their index and without snapshot.json",
      async () => {
        const files = [...(await snapshotFiles()).entries()];
        const uploading = files.filter(([, f]) => f.includes("index.json.gz") && !f.includes("snapshot.json"));
        return uploading.length === 2 && files.length === 2 ? uploading.map(([id]) => id) : undefined;
      },
      120_000,
      100,
    );
    const outage = proxies.outage("minio", OUTAGE_MS);
    // The CLI through the same proxy, during the outage: a clear error, no listing.
    await new Promise((r) => setTimeout(r, 1000));
    const during = await kubedumpCli(["snapshots", "--repo", s3RepoUrl(t, e2e.prefix, viaProxy)], s3Env(t));
    await outage;
    await proxies.toxiproxy.client.removeToxic("minio", "bandwidth_upstream");
    expect(during.code).not.toBe(0);
    expect(during.stderr).toMatch(/cannot reach the object store at http:\/\/127\.0\.0\.1:\d+/);

    const [retried, once] = await Promise.all([
      e2e.waitForSession("retried-now", 240_000),
      e2e.waitForSession("once-now", 240_000),
    ]);
    const worker = stack.processes.find((p) => p.name === "dump-worker-0")!;
    const retries = logEntries(worker, "backup attempt").filter((l) => l.session === "retried-now");
    expect(retries.length).toBeGreaterThanOrEqual(1);
    console.info(`MinIO outage: retried-now failed ${retries.length} attempt(s) before it committed`);
    for (const r of retries) expect(String(r.msg)).toMatch(/cannot reach the object store/);
    expect(retried.status.phase).toBe("Succeeded");
    expect(retried.status.snapshot.objects).toBeGreaterThan(OBJECTS);
    expect(logEntries(worker, "snapshot committed").filter((l) => l.session === "retried-now")).toHaveLength(1);

    expect(once.status.phase).toBe("Failed");
    const failed = conditionOf(once, "SnapshotCommitted") as Obj;
    expect(failed).toMatchObject({ status: "False", reason: "BackupFailed" });
    expect(failed.message).toMatch(/cannot reach the object store at http:\/\/127\.0\.0\.1:\d+/);

    // The failed snapshot's files are in the bucket, yet no reader lists it.
    const committedId = retried.status.snapshot.id as string;
    const halfWritten = midUpload.find((id) => id !== committedId)!;
    expect(midUpload).toContain(committedId);
    expect((await snapshotFiles()).get(halfWritten)).not.toContain("snapshot.json");
    const repo = await e2e.repository();
    expect((await repo.listSnapshots()).map((s) => s.id)).toEqual([committedId]);
    expect((await repo.listUnfinished()).map((u) => u.id)).toEqual([halfWritten]);
    const listed = await kubedumpCli(["snapshots", "-o", "json", "--repo", s3RepoUrl(t, e2e.prefix)], s3Env(t));
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Obj[]).map((s) => s.id)).toEqual([committedId]);
    const verify = await kubedumpCli(["verify", committedId, "--repo", s3RepoUrl(t, e2e.prefix)], s3Env(t));
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});
