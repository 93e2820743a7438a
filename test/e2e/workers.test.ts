import { readFileSync } from "node:fs";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Stack, startStack, stopService } from "./harness.js";
import { testNamespace } from "./test-namespace.js";

const e2e = testNamespace(inject("testenv"), "e2e-wk");
let stack: Stack;

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
  await e2e.setup();
  for (let i = 0; i < 20; i++) {
    await kubeHttp(e2e.t, `/api/v1/namespaces/${e2e.ns}/configmaps`, {
      body: { metadata: { name: `cm-${i}` }, data: { i: String(i) } },
    });
  }
  stack = await startStack(e2e, { workers: 3, extraEnv: { CONCURRENCY: "2" } });
});
afterAll(async () => {
  await stack?.stop();
});

describe("dump workers", () => {
  it("three workers share twenty sessions and each is processed exactly once", { timeout: 600_000 }, async () => {
    for (let i = 0; i < 20; i++) {
      await e2e.createConfig(`c${i}`, {
        schedule: "0 0 1 1 *",
        target: { ref: { apiVersion: "v1", kind: "ConfigMap", name: `cm-${i}`, namespace: e2e.ns } },
      });
    }
    for (let i = 0; i < 20; i++) await e2e.createSession(`c${i}-now`, `c${i}`);
    const sessions = await Promise.all(Array.from({ length: 20 }, (_, i) => e2e.waitForSession(`c${i}-now`, 180_000)));
    expect(sessions.map((s) => s.status.phase)).toEqual(Array(20).fill("Succeeded"));
    expect(sessions.map((s) => s.status.snapshot.objects)).toEqual(Array(20).fill(1));
    const commits = commitsBySession();
    for (let i = 0; i < 20; i++) expect(commits.get(`c${i}-now`), `c${i}-now`).toHaveLength(1);
    expect(new Set([...commits.values()].flat()).size).toBeGreaterThanOrEqual(2);
    const snapshots = (await (await e2e.repository()).listSnapshots()).filter((m) => m.source.name?.endsWith("-now"));
    expect(snapshots).toHaveLength(20);
  });

  it("a worker killed with SIGKILL mid-backup still yields exactly one committed snapshot", {
    timeout: 600_000,
  }, async () => {
    // A slow worker (2 requests/s) takes the job; the others are stopped so it surely does.
    for (const p of stack.processes.filter((x) => x.name.startsWith("dump-worker"))) await stopService(p);
    const slow = stack.start("dump-worker", "dump-worker-slow", { KUBE_QPS: "2", KUBE_BURST: "1" });
    await e2e.createConfig("big", { schedule: "0 0 1 1 *" });
    await e2e.createSession("big-now", "big");
    await e2e.waitForPhase("backupsessions", "big-now", "Running"); // the slow worker started the backup
    await new Promise((r) => setTimeout(r, 2000));
    await stopService(slow, "SIGKILL");
    stack.start("dump-worker", "dump-worker-rescue");
    const done = await e2e.waitForSession("big-now", 180_000);
    expect(done.status.phase).toMatch(/^(Succeeded|PartiallySucceeded)$/);
    const repo = await e2e.repository();
    const mine = (await repo.listSnapshots()).filter((m) => m.source.name === "big-now");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.id).toBe(done.status.snapshot.id);
    expect((await repo.listUnfinished()).filter((u) => u.id === mine[0]!.id)).toEqual([]);
  });
});
