import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "../bin/kubedump-testenv");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replaceAll("'\\''", "'");
  }
  return out;
}

it("`up` writes the env file, and SIGTERM leaves no server process behind", async () => {
  const envFile = join(mkdtempSync(join(tmpdir(), "testenv-cli-")), "env");
  const child = spawn(CLI, ["up", "--env-file", envFile], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  try {
    await checkUpAndDown(child, envFile, exited, () => stderr);
  } finally {
    child.kill("SIGKILL");
  }
});

async function checkUpAndDown(
  child: ChildProcess,
  envFile: string,
  exited: Promise<number | null>,
  stderr: () => string,
) {
  for (let i = 0; i < 1800 && !existsSync(envFile); i++) {
    if (child.exitCode !== null) throw new Error(`testenv up exited early:\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const vars = parseEnvFile(readFileSync(envFile, "utf8"));
  for (const key of [
    "KUBECONFIG",
    "REDIS_URL",
    "S3_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "KUBECTL",
    "HELM",
  ]) {
    expect(vars[key], key).toBeTruthy();
  }
  expect(vars.S3_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(vars.REDIS_URL).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  const pids = vars.KUBEDUMP_TESTENV_PIDS!.split(",").map(Number);
  expect(pids).toHaveLength(4);
  expect(pids.every(alive)).toBe(true);

  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(pids.filter(alive)).toEqual([]);
  expect(existsSync(vars.KUBEDUMP_TESTENV_DIR!)).toBe(false);
}
