import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { kubeHttp, seedCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Obj, type Stack, startStack, stopService, waitFor } from "./harness.js";
import { slotOf, testNamespace } from "./test-namespace.js";

const e2e = testNamespace(inject("testenv"), "e2e-svc");
const { t, ns: NS } = e2e;
const execFileP = promisify(execFile);
const __dirname = dirname(fileURLToPath(import.meta.url));
const P = "e2s"; // seeded namespaces e2s-shop and e2s-blog
let stack: Stack;

beforeAll(async () => {
  await e2e.setup();
  await seedCluster(t, P);
  await e2e.createConfig("instant", {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: `${P}-shop` } },
  });
  stack = await startStack(e2e);
});
afterAll(async () => {
  await stack?.stop();
});

describe("the four services", () => {
  it("run an instant BackupSession, with statuses and metrics", async () => {
    await e2e.waitForPhase("backupconfigurations", "instant", "Ready");
    await e2e.createSession("instant-now", "instant");
    const s = await e2e.waitForSession("instant-now");
    expect(s.status.phase).toBe("Succeeded");
    expect(s.status.snapshot).toMatchObject({ objects: 10 });
    expect(s.status.snapshot.id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(s.status.sessionDuration).toMatch(/s$/);
    expect(Date.parse(s.status.completionTime)).toBeGreaterThanOrEqual(Date.parse(s.status.startTime));
    const manifest = await (await e2e.repository()).getSnapshot(s.status.snapshot.id);
    expect(manifest.source).toMatchObject({ kind: "BackupSession", namespace: NS, name: "instant-now" });
    expect(manifest.counts).toMatchObject({ pods: 2, "deployments.apps": 1, namespaces: 1 });
    const repo = await waitFor("Repository status", async () => {
      const r = await e2e.get("repositories", "repo");
      return r?.status?.snapshotCount >= 1 ? r : undefined;
    });
    expect(repo.status.totalSizeBytes).toBeGreaterThan(0);
    expect(repo.status.lastBackupTime).toBeTruthy();
    const metrics = await waitFor(
      "metrics on the gateway",
      async () => {
        const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
        return /kubedump_backup_session_success\{[^}]*invoker_name="instant"[^}]*\} 1/.test(text) ? text : undefined;
      },
      30_000,
    );
    expect(metrics).toMatch(/kubedump_backup_objects_total\{[^}]*invoker_name="instant"[^}]*\} 10/);
    expect(metrics).toMatch(/kubedump_queue_jobs\{[^}]*queue="kubedump-backups"/);
  });

  it("reject invalid configurations with a message naming the field, and keep serving the others", async () => {
    await e2e.createConfig("bad-cron", { schedule: "61 * * * *" });
    await e2e.createConfig("no-repo", { schedule: "@daily", repository: { name: "missing" } });
    const badCron = await e2e.waitForPhase("backupconfigurations", "bad-cron", "Invalid");
    expect(JSON.stringify(badCron.status.conditions)).toContain("spec.schedule");
    const events = await waitFor("a Warning Event about bad-cron", async () => {
      const list = await e2e.eventsOf("bad-cron");
      return list.length ? list : undefined;
    });
    expect(events[0]).toMatchObject({
      type: "Warning",
      reason: "InvalidSpec",
      involvedObject: { kind: "BackupConfiguration", name: "bad-cron" },
    });
    expect(events[0]!.message).toContain("spec.schedule");
    const noRepo = await e2e.waitForPhase("backupconfigurations", "no-repo", "NotReady");
    expect(JSON.stringify(noRepo.status.conditions)).toContain(
      "spec.repository.name: Repository e2e-svc/missing not found",
    );
    const unknownParam = await kubeHttp(t, e2e.url("backupconfigurations"), {
      body: {
        apiVersion: "kubedump.io/v1alpha1",
        kind: "BackupConfiguration",
        metadata: { name: "bad-param" },
        spec: {
          repository: { name: "repo" },
          schedule: "@daily",
          task: { params: [{ name: "includeDependents", value: "true" }] },
        },
      },
    });
    expect(unknownParam.status).toBe(422);
    expect(unknownParam.body.message).toContain("spec.task.params[0].name");
    await e2e.createSession("instant-again", "instant");
    expect((await e2e.waitForSession("instant-again")).status.phase).toBe("Succeeded");
  });

  it("kubedump trigger starts an instant backup and waits for it", async () => {
    const cli = join(__dirname, "../../packages/cli/bin/kubedump.js");
    const env = { ...process.env, KUBECONFIG: t.kubeconfig };
    const ok = await execFileP(process.execPath, [cli, "trigger", "instant", "-n", NS, "--wait", "--timeout", "2m"], {
      env,
    });
    const name = /backupsession\.kubedump\.io\/(instant-\d+) created/.exec(ok.stdout)?.[1];
    expect(name).toBeTruthy();
    expect(ok.stdout).toContain(`backupsession.kubedump.io/${name} Succeeded`);
    expect((await e2e.get("backupsessions", name!))?.status?.snapshot?.objects).toBe(10);
    const missing = await execFileP(process.execPath, [cli, "trigger", "nope", "-n", NS], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(missing).toMatchObject({ code: 4 });
    expect((missing as { stderr: string }).stderr).toContain("BackupConfiguration e2e-svc/nope not found");
  });

  it("back up each scope on a schedule; pausing stops new sessions and unpausing resumes them", {
    timeout: 600_000,
  }, async () => {
    const scopes: [string, Obj, number][] = [
      ["cl", { task: { params: [{ name: "includeNamespaces", value: `${P}-*` }] } }, 17],
      [
        "nsb",
        {
          target: { ref: { apiVersion: "v1", kind: "Namespace", name: `${P}-blog` } },
          task: { params: [{ name: "gzipLevel", value: "9" }] },
        },
        9,
      ],
      [
        "app",
        {
          target: { ref: { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: `${P}-shop` } },
          task: { params: [{ name: "includeDependants", value: "true" }] },
          retentionPolicy: { name: "keep-one", keepLast: 1, prune: true },
        },
        4,
      ],
    ];
    for (const [name, spec] of scopes) await e2e.createConfig(name, { schedule: "* * * * *", ...spec });
    for (const [name, , objects] of scopes) {
      const first = await e2e.waitForScheduled(name);
      expect(first.metadata.name).toMatch(new RegExp(`^${name}-\\d+$`));
      expect(slotOf(first.metadata.name) % 60_000).toBe(0);
      const done = await e2e.waitForSession(first.metadata.name);
      expect(done.status.phase).toBe("Succeeded");
      expect(done.status.snapshot.objects).toBe(objects);
      const config = await e2e.get("backupconfigurations", name);
      expect(config?.status?.lastScheduleTime).toBeTruthy();
    }
    // The task params are recorded; the Repository, which names no format, is format 2 (the default).
    const nsb = (await (await e2e.repository()).listSnapshots()).find(
      (m) => m.source.invoker === "BackupConfiguration/nsb",
    );
    expect(nsb?.params).toEqual({ gzipLevel: "9" });
    expect(nsb?.formatVersion).toBe(2);
    // Pause: no session for a slot after the pause took effect.
    await e2e.patch("backupconfigurations", "app", { spec: { paused: true } });
    await e2e.waitForCondition("backupconfigurations", "app", "Scheduled", "False");
    const pausedAt = Date.now();
    const nextSlot = Math.ceil(pausedAt / 60_000) * 60_000;
    await new Promise((r) => setTimeout(r, nextSlot - Date.now() + 10_000));
    const during = (await e2e.sessionsOf("app")).map((s) => s.metadata.name);
    expect(during.filter((n) => slotOf(n) >= nextSlot)).toEqual([]);
    await e2e.patch("backupconfigurations", "app", { spec: { paused: false } });
    const resumed = await e2e.waitForScheduled("app", nextSlot);
    expect((await e2e.waitForSession(resumed.metadata.name)).status.phase).toBe("Succeeded");
    // keepLast: 1 — the app's older snapshots were forgotten after each commit.
    const apps = (await (await e2e.repository()).listSnapshots()).filter(
      (m) => m.source.invoker === "BackupConfiguration/app",
    );
    expect(apps.map((m) => m.source.name)).toEqual([resumed.metadata.name]);
  });

  it("every service stops taking work and exits 0 on SIGTERM", async () => {
    const started = /"msg":"(watcher started|scheduler started|dump worker started|metrics gateway listening)"/;
    for (const p of stack.processes)
      await waitFor(
        `${p.name} to start`,
        async () => (started.test(readFileSync(p.logFile, "utf8")) ? true : undefined),
        30_000,
        100,
      );
    const codes = await Promise.all(stack.processes.map((p) => stopService(p)));
    expect(codes).toEqual(stack.processes.map(() => 0));
  });
});
