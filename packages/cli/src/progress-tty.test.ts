// Progress of download, verify and restore: a live line on a terminal's stderr (the CLI run under
// script(1), which gives it a pseudo-terminal), nothing off a terminal or with -o json.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type SeededCluster, seedCluster } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump } from "./test-support.js";

const exec = promisify(execFile);
const env = inject("testenv");
const CLI = join(dirname(fileURLToPath(import.meta.url)), "../bin/kubedump.js");
const LIVE_LINE = "\r\x1b[2K";
let seeded: SeededCluster;
let repo: string;
let id: string;

beforeAll(async () => {
  seeded = await seedCluster(env, "clitty");
  repo = mkdtempSync(join(tmpdir(), "kubedump-cli-tty-"));
  const backup = await kubedump(["backup", "--repo", repo, "--namespace", seeded.namespaces.shop, "-o", "json"], {
    KUBECONFIG: env.kubeconfig,
  });
  expect(backup.code, backup.stderr).toBe(0);
  id = JSON.parse(backup.stdout).id;
});

const shellWord = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** The CLI on a pseudo-terminal: what the terminal showed (stdout and stderr together) and the exit code. */
async function onTerminal(args: string[]): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, CLI, ...args].map(shellWord).join(" ");
  try {
    const { stdout } = await exec("script", ["--quiet", "--return", "--command", command, "/dev/null"], {
      env: { ...process.env, KUBECONFIG: env.kubeconfig },
    });
    return { code: 0, screen: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, screen: e.stdout };
  }
}

describe("progress on a terminal", () => {
  it.each([
    ["verify", () => ["verify", id, "--repo", repo], /verified \d+\/10 objects, [\d.]+ K?i?B of [\d.]+ KiB \(\d+%\)/],
    [
      "download --to",
      () => ["download", id, "--repo", repo, "--to", mkdtempSync(join(tmpdir(), "kd-tty-"))],
      /read \d+\/10 objects/,
    ],
    [
      "download --archive",
      () => ["download", id, "--repo", repo, "--archive", join(mkdtempSync(join(tmpdir(), "kd-tty-")), "s.zip")],
      /read \d+\/10 objects/,
    ],
    ["restore", () => ["restore", id, "--repo", repo, "--dry-run"], /\d+\/\d+ objects — step \d+\/\d+ /],
  ])("%s draws a live line and clears it before its report", async (_, args, line) => {
    const { code, screen } = await onTerminal(args());
    expect(code, screen).toBe(0);
    expect(screen).toContain(LIVE_LINE);
    expect(screen).toMatch(line);
  });
});

describe("no progress", () => {
  it.each([
    ["verify", () => ["verify", id, "--repo", repo]],
    ["download", () => ["download", id, "--repo", repo, "--to", mkdtempSync(join(tmpdir(), "kd-plain-"))]],
    ["restore", () => ["restore", id, "--repo", repo, "--dry-run"]],
  ])("%s off a terminal: stderr stays empty", async (_, args) => {
    const run = await kubedump(args(), { KUBECONFIG: env.kubeconfig });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
  });

  it.each([
    ["verify", () => ["verify", id, "--repo", repo, "-o", "json"]],
    ["restore", () => ["restore", id, "--repo", repo, "--dry-run", "-o", "json"]],
  ])("%s -o json on a terminal: no live line", async (_, args) => {
    const { code, screen } = await onTerminal(args());
    expect(code, screen).toBe(0);
    expect(screen).not.toContain(LIVE_LINE);
  });
});
