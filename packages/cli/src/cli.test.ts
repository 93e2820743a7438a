import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type SeededCluster, seedCluster } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";

const env = inject("testenv");
const exec = promisify(execFile);
const CLI = join(dirname(fileURLToPath(import.meta.url)), "../bin/kubedump.js");
const P = "cli";
let seeded: SeededCluster;
let repo: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function kubedump(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], {
      env: { ...process.env, KUBECONFIG: env.kubeconfig, ...extraEnv },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const kubectl = (args: string[]) => exec(env.kubectl, args, { env: { ...process.env, KUBECONFIG: env.kubeconfig } });

function walk(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

beforeAll(async () => {
  seeded = await seedCluster(env, P);
  repo = mkdtempSync(join(tmpdir(), "kubedump-cli-repo-"));
});

describe("kubedump backup → snapshots → show → download", () => {
  let id: string;

  it("backs up a namespace and lists the snapshot", async () => {
    const run = await kubedump(["backup", "--repo", repo, "--namespace", seeded.namespaces.shop, "-o", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const manifest = JSON.parse(run.stdout);
    id = manifest.id;
    expect(id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    expect(manifest.objects).toBe(10);
    const list = await kubedump(["snapshots", "--repo", repo, "--output", "json"]);
    const items = JSON.parse(list.stdout) as { id: string; time: string; objects: number; warnings: string[] }[];
    expect(items).toEqual([expect.objectContaining({ id, objects: 10, warnings: [] })]);
    expect(Date.parse(items[0]!.time)).not.toBeNaN();
    const table = await kubedump(["snapshots", "--repo", repo]);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+\\S+\\s+namespace/${seeded.namespaces.shop}\\s+10\\s`));
  });

  it("shows counts per resource", async () => {
    const run = await kubedump(["show", id, "--repo", repo]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^pods\s+2$/m);
    expect(run.stdout).toMatch(/^deployments\.apps\s+1$/m);
    expect(run.stdout).toMatch(new RegExp(`^configmaps\\.${P}\\.example\\.com\\s+1$`, "m"));
    expect(run.stdout).toContain("Warnings (0)");
  });

  it("does not list a snapshot without snapshot.json", async () => {
    const orphan = "20200101T000000Z-deadbeef";
    mkdirSync(join(repo, "snapshots", orphan, "parts"), { recursive: true });
    // What a format-1 backup that died leaves (the repository itself is format 2, the default).
    writeFileSync(join(repo, "snapshots", orphan, "parts", "00000.tar.gz"), "left by a backup that died");
    writeFileSync(join(repo, "snapshots", orphan, "index.json.gz"), "left by a backup that died");
    const items = JSON.parse((await kubedump(["snapshots", "--repo", repo, "-o", "json"])).stdout) as { id: string }[];
    expect(items.map((i) => i.id)).toEqual([id]);
    const show = await kubedump(["show", orphan, "--repo", repo]);
    expect(show.code).toBe(4);
    expect(show.stderr).toContain(orphan);
  });

  it("downloads YAML that kubectl apply --dry-run=server accepts after the originals are deleted", async () => {
    const to = mkdtempSync(join(tmpdir(), "kubedump-cli-dl-"));
    const run = await kubedump(["download", id, "--repo", repo, "--to", to]);
    expect(run.code, run.stderr).toBe(0);
    const files = walk(to).sort();
    expect(files).toHaveLength(10);
    expect(files).toContain(`namespaces/${seeded.namespaces.shop}/deployments.apps/web.yaml`);
    expect(readFileSync(join(to, `namespaces/${seeded.namespaces.shop}/secrets/web-secret.yaml`), "utf8")).toContain(
      "kind: Secret",
    );
    const ns = seeded.namespaces.shop;
    await kubectl(["delete", "-n", ns, "deployments,replicasets,services,configmaps,secrets,serviceaccounts", "--all"]);
    await kubectl(["delete", "-n", ns, `configmaps.${seeded.customGroup}`, "--all"]);
    await kubectl(["delete", "-n", ns, "pods", "--all", "--grace-period=0", "--force"]);
    const left = await kubectl([
      "get",
      "-n",
      ns,
      `deployments,pods,services,secrets,configmaps,configmaps.${seeded.customGroup}`,
      "-o",
      "name",
    ]);
    expect(left.stdout.trim()).toBe("");
    const applied = await kubectl(["apply", "--dry-run=server", "-R", "-f", to]);
    const lines = applied.stdout.trim().split("\n");
    expect(lines).toHaveLength(10);
    expect(lines.filter((l) => l.endsWith("created (server dry run)"))).toHaveLength(9);
    expect(applied.stdout).toContain(`deployment.apps/web created (server dry run)`);
  });
});

describe("the kubedump executable", () => {
  it("starts through its committed bin shim's shebang, as npm's bin link runs it", async () => {
    const bin = join(dirname(fileURLToPath(import.meta.url)), "../bin/kubedump.js");
    const { stdout } = await exec(bin, ["--help"], {
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
    });
    expect(stdout).toMatch(/Usage: kubedump/);
  });
});

describe("--gzip-level (format 1)", () => {
  it("sets the zlib level of the parts and the index (default 1), and is recorded in the snapshot", async () => {
    // zlib marks level 1 as "fastest" (XFL 4) and level 9 as "best" (XFL 2) in byte 8 of the gzip header.
    const xflOf = async (args: string[]) => {
      const r = mkdtempSync(join(tmpdir(), "kubedump-cli-gzip-"));
      const format1 = ["--repository-format", "1"];
      const run = await kubedump([
        "backup",
        "--repo",
        r,
        "--namespace",
        seeded.namespaces.shop,
        "-o",
        "json",
        ...format1,
        ...args,
      ]);
      expect(run.code, run.stderr).toBe(0);
      const manifest = JSON.parse(run.stdout) as { id: string; params: Record<string, string> };
      const dir = join(r, "snapshots", manifest.id);
      const files = [...walk(dir).filter((f) => f.endsWith(".tar.gz")), "index.json.gz"];
      return { params: manifest.params, xfl: files.map((f) => readFileSync(join(dir, f))[8]) };
    };
    expect(await xflOf([])).toEqual({ params: {}, xfl: [4, 4] });
    expect(await xflOf(["--gzip-level", "9"])).toEqual({ params: { gzipLevel: "9" }, xfl: [2, 2] });
  });
});

describe("a backup cleans up after interrupted ones", () => {
  it("removes unfinished snapshots older than an hour and keeps younger ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubedump-cli-sweep-"));
    const [old, young] = ["20200101T000000Z-0000dead", "20200102T000000Z-0000beef"];
    for (const id of [old, young]) {
      mkdirSync(join(dir, "snapshots", id, "parts"), { recursive: true });
      writeFileSync(join(dir, "snapshots", id, "parts", "00000.tar.gz"), "left by a backup that died");
    }
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(dir, "snapshots", old, "parts", "00000.tar.gz"), twoHoursAgo, twoHoursAgo);

    // Format 1: a format-2 backup writes no snapshot directory before its snapshot.json.
    const args = ["backup", "--repo", dir, "--namespace", seeded.namespaces.blog, "--repository-format", "1"];
    const run = await kubedump(args);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`removed 1 unfinished snapshots older than an hour: ${old}`);
    // The young leftover stays (a backup may still be uploading it); the new snapshot sorts after it.
    expect(readdirSync(join(dir, "snapshots")).sort()).toEqual([
      young,
      expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/),
    ]);
  });
});

describe("errors are clear and exit non-zero", () => {
  it.each<[string, string[], number, RegExp]>([
    ["an unknown snapshot", ["show", "20991231T000000Z-00000000"], 4, /snapshot.*20991231T000000Z-00000000/i],
    ["bad selector syntax", ["backup", "--selector", "app in (web"], 2, /--selector/],
    [
      "an unknown resource in a filter",
      ["backup", "--include-resources", "deploymentz.apps"],
      2,
      /includeResources: .*deploymentz\.apps/,
    ],
    ["a bad --target", ["backup", "--target", "Deployment/web"], 2, /--target "Deployment\/web"/],
    [
      "a missing namespace",
      ["backup", "--namespace", "no-such-namespace"],
      4,
      /namespace "no-such-namespace" not found/,
    ],
    [
      "a bad --gzip-level",
      ["backup", "--gzip-level", "fast"],
      2,
      /--gzip-level: gzipLevel: must be a whole number from 0 to 9/,
    ],
  ])("%s", async (_name, args, code, message) => {
    const run = await kubedump([...args, "--repo", repo]);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });

  it("an unreachable cluster", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubedump-cli-kc-"));
    const kc = readFileSync(env.kubeconfig, "utf8").replace(/server: .*/, "server: https://127.0.0.1:1");
    writeFileSync(join(dir, "config"), kc);
    const run = await kubedump(["backup", "--repo", repo, "--kubeconfig", join(dir, "config")]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot reach the API server at https:\/\/127\.0\.0\.1:1/);
  });
});
