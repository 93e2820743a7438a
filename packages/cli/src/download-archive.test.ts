import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type SeededCluster, seedCluster } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump as run } from "./test-support.js";

const env = inject("testenv");
const exec = promisify(execFile);
const kubedump = (args: string[]) => run([...args, "--repo", repo], { KUBECONFIG: env.kubeconfig });
let seeded: SeededCluster;
let repo: string;
let id: string;
/** The tree `download --to` writes: path → bytes. */
let tree: Map<string, string>;

function readTree(dir: string, prefix = ""): [string, string][] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? readTree(dir, path) : [[path, readFileSync(join(dir, path), "utf8")] as [string, string]];
  });
}

const scratch = (what: string) => mkdtempSync(join(tmpdir(), `kubedump-cli-${what}-`));
const sorted = (paths: Iterable<string>) => [...paths].sort();

/** Runs a download into a new file of `name`; fails the test unless it exits 0. */
async function archive(name: string, ...flags: string[]): Promise<string> {
  const file = join(scratch("archive"), name);
  const result = await kubedump(["download", id, "--archive", file, ...flags]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toMatch(new RegExp(`^wrote \\d+ objects .* of snapshot ${id} to ${file} \\(`));
  return file;
}

const listed = async (file: string) =>
  (file.endsWith(".zip") ? await exec("unzip", ["-Z1", file]) : await exec("tar", ["-tzf", file])).stdout
    .split("\n")
    .filter((line) => line !== "")
    .sort();

async function extracted(file: string): Promise<Map<string, string>> {
  const dir = scratch("extract");
  if (file.endsWith(".zip")) await exec("unzip", ["-q", file, "-d", dir]);
  else await exec("tar", ["-xzf", file, "-C", dir]);
  return new Map(readTree(dir));
}

beforeAll(async () => {
  seeded = await seedCluster(env, "cliarc");
  repo = scratch("archive-repo");
  const { shop, blog } = seeded.namespaces;
  const backup = await kubedump([
    "backup",
    "--include-namespaces",
    `${shop},${blog}`,
    "--include-cluster-resources",
    "true",
    "-o",
    "json",
  ]);
  expect(backup.code, backup.stderr).toBe(0);
  id = JSON.parse(backup.stdout).id;
  const to = scratch("to");
  expect((await kubedump(["download", id, "--to", to])).code).toBe(0);
  tree = new Map(readTree(to));
});

describe("download --archive", () => {
  it.each(["snapshot.zip", "snapshot.tar.gz", "snapshot.tgz"])(
    "%s holds exactly the files download --to writes, byte for byte",
    async (name) => {
      const file = await archive(name);
      if (name.endsWith(".zip")) expect((await exec("unzip", ["-t", file])).stdout).toContain("No errors detected");
      expect(await listed(file)).toEqual(sorted(tree.keys()));
      expect(await extracted(file)).toEqual(tree);
      expect(tree.size).toBeGreaterThan(20);
    },
  );

  it("gives the same bytes for the same snapshot (entries dated with the snapshot's time)", async () => {
    const [a, b] = [await archive("a.tar.gz"), await archive("b.tar.gz")];
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    // The id is the snapshot's UTC time: 20261126T020000Z → 2026-11-26 02:00 on every entry.
    const [, y, mo, d, h, mi] = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)/.exec(id) ?? [];
    const { stdout } = await exec("tar", ["--utc", "-tvzf", a]);
    const lines = stdout.split("\n").filter((line) => line !== "");
    expect(lines).toHaveLength(tree.size);
    for (const line of lines) expect(line).toContain(` ${y}-${mo}-${d} ${h}:${mi} `);
  });

  it.each<[string, string[], (path: string) => boolean]>([
    [
      "--include-namespaces: those namespaces' objects and Namespace objects",
      ["--include-namespaces", "cliarc-sh*"],
      (p) => p.startsWith("namespaces/cliarc-shop/") || p === "cluster/namespaces/cliarc-shop.yaml",
    ],
    [
      "--include-resources: those resources, namespaced or not",
      ["--include-resources", "deployments.apps,clusterroles.rbac.authorization.k8s.io"],
      (p) => /\/(deployments\.apps|clusterroles\.rbac\.authorization\.k8s\.io)\/[^/]+$/.test(p),
    ],
    [
      "both: objects that pass both",
      ["--include-namespaces", "cliarc-blog", "--include-resources", "configmaps,secrets"],
      (p) => /^namespaces\/cliarc-blog\/(configmaps|secrets)\//.test(p),
    ],
  ])("%s", async (_name, flags, expected) => {
    for (const name of ["part.zip", "part.tar.gz"]) {
      const paths = await listed(await archive(name, ...flags));
      expect(paths).toEqual(sorted([...tree.keys()].filter(expected)));
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.length).toBeLessThan(tree.size);
    }
  });
});

describe("download --archive refuses", () => {
  it.each<[string, (dir: string) => string[], number, RegExp]>([
    ["an unknown extension", (d) => ["--archive", join(d, "snapshot.rar")], 2, /--archive ".*snapshot\.rar": .*\.zip/],
    ["a bare extension", (d) => ["--archive", join(d, ".zip")], 2, /--archive ".*\.zip": .*\.zip/],
    ["both --to and --archive", (d) => ["--to", d, "--archive", join(d, "s.zip")], 2, /--to and --archive/],
    ["neither --to nor --archive", () => [], 2, /--to <dir> or --archive <file> is required/],
    ["a filter with --to", (d) => ["--to", d, "--include-resources", "pods"], 2, /--include-resources .*--archive/],
    ["--force with --to", (d) => ["--to", d, "--force"], 2, /--force works with --archive only/],
    [
      "a resource the snapshot does not hold",
      (d) => ["--archive", join(d, "s.zip"), "--include-resources", "deploymentz.apps"],
      2,
      /--include-resources: snapshot .* holds no "deploymentz\.apps"/,
    ],
    [
      "a bad namespace glob",
      (d) => ["--archive", join(d, "s.zip"), "--include-namespaces", "Not_A_Namespace"],
      2,
      /--include-namespaces/,
    ],
  ])("%s", async (_name, flags, code, message) => {
    const dir = scratch("bad");
    const result = await kubedump(["download", id, ...flags(dir)]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code, stderr: expect.stringMatching(message) });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a snapshot that does not exist, leaving no file behind", async () => {
    const dir = scratch("missing");
    const result = await kubedump(["download", "20991231T000000Z-00000000", "--archive", join(dir, "s.zip")]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("20991231T000000Z-00000000");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("to replace an existing file unless --force", async () => {
    const dir = scratch("exists");
    const file = join(dir, "mine.zip");
    writeFileSync(file, "not yours");
    const refused = await kubedump(["download", id, "--archive", file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--archive ".*mine\.zip": the file exists \(--force replaces it\)/);
    expect(readFileSync(file, "utf8")).toBe("not yours");
    const forced = await kubedump(["download", id, "--archive", file, "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await listed(file)).toEqual(sorted(tree.keys()));
    expect(readdirSync(dir)).toEqual(["mine.zip"]);
  });

  it("to write into a directory that does not exist", async () => {
    const dir = join(scratch("nodir"), "missing");
    const result = await kubedump(["download", id, "--archive", join(dir, "s.zip")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(dir);
    expect(existsSync(dir)).toBe(false);
  });
});
