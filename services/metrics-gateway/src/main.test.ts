import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { backupJobKey, parseTextFormat, pushBackupMetrics } from "@kubedump/metrics";
import { freePort } from "@kubedump/testenv";
import { afterAll, describe, expect, inject, it } from "vitest";

const env = inject("testenv");
const MAIN = join(dirname(fileURLToPath(import.meta.url)), "../dist/main.js");
const RUN = `gw-e2e-${process.pid}-${Date.now().toString(36)}`;
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (proc.exitCode !== null) done(proc.exitCode);
    else proc.once("exit", (code) => done(code));
  });
}

describe("node dist/main.js", () => {
  it("listens on PORT and HOST (aliases of HTTP_PORT and HTTP_HOST), serves pushed backup metrics and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: "127.0.0.1",
        REDIS_URL: env.redisUrl,
        GATEWAY_KEY_PREFIX: `kubedump-test:${RUN}`,
        QUEUE_PREFIX: RUN,
        PUSH_TOKEN: "e2e-token",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const status = async (): Promise<number> => (await fetch(`${url}/-/ready`).catch(() => undefined))?.status ?? 0;
    await expect.poll(status, { timeout: 20_000, interval: 100 }).toBe(200);

    const job = backupJobKey({ kind: "BackupConfiguration", namespace: "demo", name: "nightly" });
    const labels = {
      invokerKind: "BackupConfiguration",
      invokerName: "nightly",
      namespace: "demo",
      repository: "s3-repo",
    };
    await pushBackupMetrics({
      gatewayUrl: url,
      token: "e2e-token",
      job,
      labels,
      values: { sessionSuccess: true, objectsTotal: 321, sessionDurationSeconds: 4.5 },
      stashNames: true,
    });

    const families = parseTextFormat(await (await fetch(`${url}/metrics`)).text());
    const sample = (name: string) => families.flatMap((f) => f.samples).find((s) => s.name === name);
    const expectedLabels = {
      instance: "",
      invoker_kind: "BackupConfiguration",
      invoker_name: "nightly",
      job: "BackupConfiguration-demo-nightly",
      namespace: "demo",
      repository: "s3-repo",
    };
    expect(sample("kubedump_backup_objects_total")).toEqual({
      name: "kubedump_backup_objects_total",
      labels: expectedLabels,
      value: 321,
    });
    expect(sample("stash_backup_session_success")?.value).toBe(1);
    expect(sample("kubedump_backup_session_duration_seconds")?.value).toBe(4.5);
    expect(sample("push_time_seconds")?.labels).toEqual({ instance: "", job: "BackupConfiguration-demo-nightly" });

    child.kill("SIGTERM");
    expect(await exited(child)).toBe(0);
    expect(output).toMatch(/"service":"metrics-gateway".*"msg":"closed"/);
    expect(output).not.toContain("e2e-token");
  });
});
