import { execFile } from "node:child_process";
import { mkdtempSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type SeededCluster, seedCluster } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";

// The CLI as a kubectl plugin: `npm install -g` of this package (into a prefix of the test's own)
// puts `kubectl-kubedump` on PATH beside `kubedump`, and the real kubectl finds and runs it.
const env = inject("testenv");
const exec = promisify(execFile);
const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), "..");
const prefix = mkdtempSync(join(tmpdir(), "kubedump-npm-global-"));
const bin = join(prefix, "bin");
let seeded: SeededCluster;

const pluginEnv = () => ({ ...process.env, KUBECONFIG: env.kubeconfig, PATH: `${bin}:${process.env.PATH}` });
const kubectl = (args: string[]) =>
  exec(env.kubectl, args, { env: pluginEnv() }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );

beforeAll(async () => {
  const install = ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", PACKAGE];
  await exec("npm", install, { env: { ...process.env, npm_config_update_notifier: "false" } });
  seeded = await seedCluster(env, "plugin");
});

describe("kubectl kubedump", () => {
  it("is installed by npm next to kubedump, from the same entry", () => {
    expect(readlinkSync(join(bin, "kubectl-kubedump"))).toBe(readlinkSync(join(bin, "kubedump")));
  });

  it("is listed by kubectl plugin list", async () => {
    const list = await kubectl(["plugin", "list"]);
    expect(list.stdout).toContain(join(bin, "kubectl-kubedump"));
  });

  it("prints the CLI's help", async () => {
    const help = await kubectl(["kubedump", "--help"]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: kubectl kubedump \[options\] \[command\]$/m);
    for (const command of ["backup", "snapshots", "restore", "migrate"])
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
  });

  it("backs up with the kubeconfig kubectl was given and lists the snapshot", async () => {
    const repo = mkdtempSync(join(tmpdir(), "kubedump-plugin-repo-"));
    const backup = await kubectl(["kubedump", "backup", "--repo", repo, "--namespace", seeded.namespaces.shop]);
    expect(backup.code, backup.stderr).toBe(0);
    const list = await kubectl(["kubedump", "snapshots", "--repo", repo, "-o", "json"]);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ objects: 10 })]);
  });

  it("passes kubedump's exit codes through kubectl", async () => {
    const missing = await kubectl([
      "kubedump",
      "show",
      "20260101T000000Z-00000000",
      "--repo",
      mkdtempSync(join(tmpdir(), "kubedump-plugin-empty-")),
    ]);
    expect(missing.code).toBe(4);
  });
});
