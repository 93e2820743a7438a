import { createQueue, createRedis, QUEUES, type VerifyJob } from "@kubedump/queue";
import { snapshotManifestKey } from "@kubedump/repository/snapshot";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createConfig,
  createSession,
  crUrl,
  getObj,
  installCrds,
  type Obj,
  setupRepository,
  waitFor,
  waitForSession,
} from "../../../test/e2e/harness.js";
import {
  BUCKET,
  backupMetrics,
  committedSnapshot,
  makeRepositoryUnreachable,
  startGateway,
  startWorkerRig,
  type WorkerRig,
} from "./test-support.js";
import { verifyJobRunner } from "./verify-job-support.js";

// Verify jobs through the real kubedump-verify queue and dump worker, on a repository of two real
// snapshots in MinIO whose second snapshot's part 0 each row damages (and then restores).
const t = inject("testenv");
const RUN = Date.now().toString(36).slice(-6);
const NS = `dwv-${RUN}`;
const PREFIX = `dwv-${RUN}`;
const redis = createRedis(t.redisUrl);
const store = createS3ObjectStore({
  endpoint: t.s3Endpoint,
  bucket: BUCKET,
  prefix: PREFIX,
  accessKey: t.accessKey,
  secretKey: t.secretKey,
});
const verifyQueue = createQueue<VerifyJob>(QUEUES.verify, { connection: redis, prefix: PREFIX });
let gateway: Awaited<ReturnType<typeof startGateway>>;
let rig: WorkerRig;
/** The two snapshots, oldest first; rows damage the second one's part 0. */
let ids: string[];
let part: { key: string; bytes: number };

beforeAll(async () => {
  await installCrds(t);
  gateway = await startGateway(t, PREFIX);
  // Format 1: the rows damage a snapshot's own part (format 2's packs: packages/repository/src/format2/verify.test.ts).
  await setupRepository(t, NS, { prefix: PREFIX, format: 1 });
  await kubeHttp(t, `/api/v1/namespaces/${NS}/configmaps`, { body: { metadata: { name: "cm" }, data: { a: "1" } } });
  const target = { ref: { apiVersion: "v1", kind: "Namespace", name: NS } };
  await createConfig(t, NS, "c", { schedule: "0 0 1 1 *", target });
  rig = await startWorkerRig(t, { queuePrefix: PREFIX, gatewayUrl: gateway.url });
  ids = [];
  for (const name of ["s1", "s2"]) {
    await rig.enqueue(await createSession(t, NS, name, "c"));
    ids.push((await waitForSession(t, NS, name)).status.snapshot.id);
  }
  const manifest = await committedSnapshot(t, PREFIX, ids[1]!);
  part = manifest.parts[0]!;
});

afterAll(async () => {
  await rig?.close();
  await gateway?.stop();
  await verifyQueue.obliterate({ force: true }).catch(() => {});
  await verifyQueue.close();
  redis.disconnect();
});

const verifyWith = verifyJobRunner(t, NS, verifyQueue);

/** kubedump_repository_integrity of Repository `repo` on the gateway, once it is `value`. */
const integrityMetric = (value: number) =>
  waitFor(
    `kubedump_repository_integrity ${value}`,
    async () => {
      const m = await backupMetrics(gateway.url, NS, "repo");
      return m.kubedump_repository_integrity === value ? m : undefined;
    },
    20_000,
    200,
  );

/** The Warning Events on Repository `repo`, oldest first. */
async function repositoryWarnings(): Promise<Obj[]> {
  const selector = encodeURIComponent("involvedObject.kind=Repository,involvedObject.name=repo,type=Warning");
  const res = await kubeHttp(t, `/api/v1/namespaces/${NS}/events?fieldSelector=${selector}`);
  return (res.body.items as Obj[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** Damages part 0 of the second snapshot (each row puts the original bytes back after). */
type Damage = () => Promise<void>;
const sameSize: Damage = () => store.put(part.key, Buffer.alloc(part.bytes, 0x5a));
const truncated: Damage = async () =>
  store.put(part.key, (await store.getBuffer(part.key)).subarray(0, part.bytes - 7));
const missing: Damage = () => store.delete(part.key);

interface Row {
  name: string;
  damage: Damage;
  readData: number;
  /** undefined: the damage goes unseen (integrity stays true). */
  problem?: (key: string) => string;
}

const rows: Row[] = [
  {
    name: "a same-size overwrite with readData 0 goes unseen (the documented trade-off)",
    damage: sameSize,
    readData: 0,
  },
  {
    name: "a same-size overwrite with readData 100 is found by reading it",
    damage: sameSize,
    readData: 100,
    problem: (key) => `part 0: ${key}:`,
  },
  {
    name: "a truncated part with readData 0 is found by its size",
    damage: truncated,
    readData: 0,
    problem: (key) => `part 0: ${key}: ${part.bytes - 7} bytes stored, snapshot.json records ${part.bytes}`,
  },
  {
    name: "a missing part with readData 0 is found",
    damage: missing,
    readData: 0,
    problem: (key) => `part 0 is missing: ${key}`,
  },
];

describe("a verify job, through the real queue and worker", () => {
  it("writes integrity true for a sound repository, pushes 1 and records no Warning", async () => {
    const { result, repo } = await verifyWith(100);
    expect(result).toBe("Intact");
    expect(repo.status).toMatchObject({
      integrity: true,
      verifySummary: "2 snapshots checked (2 read in full): no damage found",
    });
    expect(Date.now() - Date.parse(repo.status.lastVerifyTime)).toBeLessThan(60_000);
    expect((await integrityMetric(1)).kubedump_repository_integrity).toBe(1);
    expect(await repositoryWarnings()).toEqual([]);
  });

  it.each(rows)("$name", async ({ damage, readData, problem }) => {
    const original = await store.getBuffer(part.key);
    const warningsBefore = (await repositoryWarnings()).length;
    await damage();
    try {
      const { result, repo } = await verifyWith(readData);
      if (!problem) {
        expect(result).toBe("Intact");
        expect(repo.status).toMatchObject({ integrity: true });
        await integrityMetric(1);
        expect(await repositoryWarnings()).toHaveLength(warningsBefore);
        return;
      }
      expect(result).toBe("Damaged");
      expect(repo.status.integrity).toBe(false);
      const [headline, ...lines] = repo.status.verifySummary.split("\n");
      expect(headline).toBe(`2 snapshots checked (${readData ? 2 : 0} read in full): 1 damaged`);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`${ids[1]}: ${problem(part.key)}`);
      expect(repo.status.verifySummary).not.toContain(ids[0]);
      await integrityMetric(0);
      const warnings = await repositoryWarnings();
      expect(warnings).toHaveLength(warningsBefore + 1);
      expect(warnings.at(-1)).toMatchObject({ reason: "IntegrityCheckFailed", message: repo.status.verifySummary });
    } finally {
      await store.put(part.key, original);
    }
  });

  it("reports a snapshot whose snapshot.json does not read, naming the file, and still checks the others", async () => {
    const key = snapshotManifestKey(ids[1]!);
    const original = await store.getBuffer(key);
    await store.put(key, original.subarray(0, 20));
    try {
      const { result, repo } = await verifyWith(100);
      expect(result).toBe("Damaged");
      expect(repo.status.integrity).toBe(false);
      const [headline, ...lines] = repo.status.verifySummary.split("\n");
      expect(headline).toBe("2 snapshots checked (1 read in full): 1 damaged");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`${ids[1]}: `);
      expect(lines[0]).toContain("snapshot.json");
      await integrityMetric(0);
      // The Repository's counts leave it out rather than failing.
      await rig.enqueue(await createSession(t, NS, "s3", "c"));
      expect((await waitForSession(t, NS, "s3")).status.phase).toBe("Succeeded");
      const status = (await getObj(t, crUrl("repositories", NS, "repo")))!.status;
      expect(status.snapshotCount).toBe(2);
    } finally {
      await store.put(key, original);
    }
  });

  it("after the damage is repaired, writes integrity true again", async () => {
    expect((await verifyWith(100)).repo.status.integrity).toBe(true);
    await integrityMetric(1);
  });

  it("that cannot reach the backend fails once, logged once, with a Warning Event; the last integrity stays", async () => {
    await makeRepositoryUnreachable(t, NS);
    const warningsBefore = (await repositoryWarnings()).length;
    const { result, repo } = await verifyWith(0);
    expect(result).toMatch(/^failed: /);
    expect(repo.status.integrity).toBe(true);
    const warnings = await repositoryWarnings();
    expect(warnings).toHaveLength(warningsBefore + 1);
    expect(warnings.at(-1)).toMatchObject({ reason: "VerifyFailed" });
    expect(warnings.at(-1)?.message).toMatch(/^the verification could not run: /);
    const failures = rig.logs.filter((l) => l.repository === "repo" && l.level >= 40 && /^verify /.test(l.msg));
    expect(failures.map((l) => l.level)).toEqual([50]);
  });
});
