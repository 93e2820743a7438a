import { exec as execCallback, execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type SeededCluster, seedCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

// A newcomer's first minutes: a fresh clone, the README's set-up for the CLI, then every
// `npx kubedump …` line of the README's CLI section as written, run by a shell in the clone.
// Only placeholders and names are replaced: `<id>` by the id the last backup printed, `prod` and
// `demo` by namespaces this test seeds. `trigger` needs the four services running, which this
// test does not start, so its line runs with `--help` added (the command exists and parses).
// The `restore` lines restore the last backup (an application) onto the cluster it came from.
// The clone is of the commit checked out (HEAD): uncommitted changes are not in it.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const env = inject("testenv");
const exec = promisify(execFile);
const shell = promisify(execCallback);
const NEEDS_SERVICES = /^npx kubedump trigger /;
const MAX_BUFFER = 64 << 20;

let clone: string;
let seeded: SeededCluster;

/** The `npx kubedump …` lines of the first bash block under "## The CLI". */
function readmeCliLines(): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("The CLI\n"));
  const block = /```bash\n([\s\S]*?)```/.exec(section ?? "")?.[1] ?? "";
  return block.split("\n").filter((line) => line.startsWith("npx kubedump "));
}

/** Only a clean environment: no npm_* of the npm that runs this test, no S3 or password variables. */
function cloneEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: env.kubeconfig, CI: "true" };
}

const inClone = (command: string) =>
  shell(command, { cwd: clone, env: cloneEnv(), maxBuffer: MAX_BUFFER }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );

let missingBuild: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  seeded = await seedCluster(env, "readme");
  clone = mkdtempSync(join(tmpdir(), "kubedump-readme-"));
  const { stdout: head } = await exec("git", ["-C", ROOT, "rev-parse", "HEAD"]);
  await exec("git", ["clone", "--quiet", "--no-checkout", ROOT, clone]);
  await exec("git", ["-C", clone, "checkout", "--quiet", "--detach", head.trim()]);
  const install = await inClone("npm ci --prefer-offline --no-audit --no-fund");
  expect(install.code, install.stderr).toBe(0);
  missingBuild = await inClone("npx kubedump --help");
  const build = await inClone("npm run build");
  expect(build.code, build.stdout + build.stderr).toBe(0);
}, 1_200_000);

afterAll(() => {
  if (clone) rmSync(clone, { recursive: true, force: true });
});

describe("the README's CLI lines, on a fresh clone after its set-up", () => {
  it("before the build, npx kubedump says to run npm run build", () => {
    expect(missingBuild.code).toBe(1);
    expect(missingBuild.stderr).toMatch(/kubedump: .*packages\/cli\/dist\/kubedump\.js is missing: run npm run build/);
  });

  it("every line runs as written", { timeout: 600_000 }, async () => {
    const lines = readmeCliLines();
    expect(lines.length).toBeGreaterThanOrEqual(12);
    const names: Record<string, string> = { prod: seeded.namespaces.shop, demo: seeded.namespaces.blog };
    let id: string | undefined;
    const ran: string[] = [];
    for (const line of lines) {
      let command = line.replace(/(?<=[\s/])(prod|demo)(?=[\s/]|$)/g, (name) => names[name]!);
      if (command.includes("<id>")) {
        expect(id, `a backup line before: ${line}`).toBeDefined();
        command = command.replaceAll("<id>", id!);
      }
      if (NEEDS_SERVICES.test(line)) command = command.replace(/\s+#.*$/, " --help");
      const result = await inClone(command);
      expect(result.code, `${command}\n${result.stderr}`).toBe(0);
      expect(result.stderr).not.toContain("kubedump: not found");
      id = /^snapshot (\S+) committed: /m.exec(result.stdout)?.[1] ?? id;
      ran.push(`${command.split(/\s+/)[2]}: ${result.stdout}`);
    }
    checkOutcomes(ran, id!);
  });
});

/** What the lines left: three snapshots, the tree, both archives; and what they printed. */
function checkOutcomes(ran: string[], id: string): void {
  const { shop } = seeded.namespaces;
  const printed = (command: string) => ran.filter((r) => r.startsWith(`${command}: `));
  expect(printed("backup")).toHaveLength(3);
  const listed = JSON.parse(printed("snapshots")[1]!.slice("snapshots: ".length)) as { id: string; scope: unknown }[];
  expect(listed.map((s) => s.id)).toContain(id);
  expect(listed).toHaveLength(3);
  expect(printed("show")[0]).toContain(`Snapshot:  ${id}`);
  expect(printed("show")[0]).toMatch(/^deployments\.apps\s+1$/m);
  expect(existsSync(join(clone, "restore", "namespaces", shop, "deployments.apps", "web.yaml"))).toBe(true);
  expect(existsSync(join(clone, "kubedump-backups", "snapshots", id, "snapshot.json"))).toBe(true);
  expect(printed("download").map((p) => /wrote (\d+) objects/.exec(p)?.[1])).toEqual([
    expect.stringMatching(/^[1-9]/),
    expect.stringMatching(/^[1-9]/),
    "1",
  ]);
  expect(existsSync(join(clone, "snapshot.zip"))).toBe(true);
  expect(existsSync(join(clone, "web.tar.gz"))).toBe(true);
  expect(printed("verify")[0]).toContain(`snapshot ${id} is sound`);
  expect(printed("trigger")[0]).toMatch(/^trigger: Usage: kubedump trigger/);
  // The application's objects are there already: the dry run and the restore leave them as they are.
  const [dryRun, restored] = printed("restore").map((p) => p.slice("restore: ".length));
  expect(dryRun).toContain("Dry run");
  expect(dryRun).toMatch(/^deployments\.apps\s+0\s+0\s+\d+\s+\d+\s+0\s+0$/m);
  const records = restored!
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { kind: string; outcome: string });
  expect(records).toContainEqual(expect.objectContaining({ kind: "Deployment", name: "web" }));
  for (const r of records) expect(["exists", "unchanged"]).toContain(r.outcome);
}
