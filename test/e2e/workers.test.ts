import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRepositoryFromBackend } from "@kubedump/repository";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createConfig,
  createSession,
  crUrl,
  getObj,
  installCrds,
  setupRepository,
  type Stack,
  startStack,
  stopService,
  waitFor,
  waitForSession,
} from "./harness.js";

const t = inject("testenv");
const NS = "e2e-wk";
let stack: Stack;

const repository = () =>
  openRepositoryFromBackend({
    backend: { s3: { endpoint: t.s3Endpoint, bucket: "kubedump-e2e", region: "us-east-1", prefix: NS } },
    secret: { AWS_ACCESS_KEY_ID: t.accessKey, AWS_SECRET_ACCESS_KEY: t.secretKey },
  });

/** `snapshot committed` log lines of the dump workers, by session. */
function commitsBySession(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of stack.processes.filter((x) => x.name.startsWith("dump-worker"))) {
    for (const line of readFileSync(p.logFile, "utf8").split("\n")) {
      if (!line.includes('"snapshot committed"')) continue;
      const session = JSON.parse(line).session as string;
      out.set(session, [...(out.get(session) ?? []), p.name]);
    }
  }
  return out;
}

beforeAll(async () => {
  await installCrds(t);
  await setupRepository(t, NS, { prefix: NS });
  for (let i = 0; i < 20; i++) {
    await kubeHttp(t, `/api/v1/namespaces/${NS}/configmaps`, {
      body: { metadata: { name: `cm-${i}` }, data: { i: String(i) } },
    });
  }
  stack = await startStack(t, {
    prefix: "e2ewk",
    workers: 3,
    logDir: mkdtempSync(join(tmpdir(), "kubedump-e2e-wk-")),
    extraEnv: { WATCH_NAMESPACE: NS, CONCURRENCY: "2" },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe("dump workers", () => {
  it("three workers share twenty sessions and each is processed exactly once", { timeout: 600_000 }, async () => {
    for (let i = 0; i < 20; i++) {
      await createConfig(t, NS, `c${i}`, {
        schedule: "0 0 1 1 *",
        target: { ref: { apiVersion: "v1", kind: "ConfigMap", name: `cm-${i}`, namespace: NS } },
      });
    }
    for (let i = 0; i < 20; i++) await createSession(t, NS, `c${i}-now`, `c${i}`);
    const sessions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => waitForSession(t, NS, `c${i}-now`, 180_000)),
    );
    expect(sessions.map((s) => s.status.phase)).toEqual(Array(20).fill("Succeeded"));
    expect(sessions.map((s) => s.status.snapshot.objects)).toEqual(Array(20).fill(1));
    const commits = commitsBySession();
    for (let i = 0; i < 20; i++) expect(commits.get(`c${i}-now`), `c${i}-now`).toHaveLength(1);
    expect(new Set([...commits.values()].flat()).size).toBeGreaterThanOrEqual(2);
    const snapshots = (await (await repository()).listSnapshots()).filter((m) => m.source.name?.endsWith("-now"));
    expect(snapshots).toHaveLength(20);
  });

  it("a worker killed with SIGKILL mid-backup still yields exactly one committed snapshot", {
    timeout: 600_000,
  }, async () => {
    // A slow worker (2 requests/s) takes the job; the others are stopped so it surely does.
    for (const p of stack.processes.filter((x) => x.name.startsWith("dump-worker"))) await stopService(p);
    const slow = stack.start("dump-worker", "dump-worker-slow", { KUBE_QPS: "2", KUBE_BURST: "1" });
    await createConfig(t, NS, "big", { schedule: "0 0 1 1 *" });
    await createSession(t, NS, "big-now", "big");
    await waitFor(
      "the slow worker to start the backup",
      async () => {
        const s = await getObj(t, crUrl("backupsessions", NS, "big-now"));
        return s?.status?.phase === "Running" ? true : undefined;
      },
      60_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 2000));
    await stopService(slow, "SIGKILL");
    stack.start("dump-worker", "dump-worker-rescue");
    const done = await waitForSession(t, NS, "big-now", 180_000);
    expect(done.status.phase).toMatch(/^(Succeeded|PartiallySucceeded)$/);
    const repo = await repository();
    const mine = (await repo.listSnapshots()).filter((m) => m.source.name === "big-now");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.id).toBe(done.status.snapshot.id);
    expect((await repo.listUnfinished()).filter((u) => u.id === mine[0]!.id)).toEqual([]);
  });
});
