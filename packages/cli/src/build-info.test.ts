// The commit `kubedump version` names: scripts/write-build-info.mjs writes it at build time from
// KUBEDUMP_COMMIT (a build from a tree without .git) or the checkout's HEAD, and turbo runs that step on every build.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPT = join(PACKAGE, "scripts", "write-build-info.mjs");

/** Runs the script (or `script`, a copy of it elsewhere) into a new file: what it wrote, or how it failed. */
async function write(env: Record<string, string>, script = SCRIPT) {
  const out = join(mkdtempSync(join(tmpdir(), "kubedump-build-info-")), "build-info.json");
  const base = { ...process.env };
  delete base.KUBEDUMP_COMMIT;
  try {
    await exec(process.execPath, [script, out], { env: { ...base, ...env } });
    return { code: 0, info: JSON.parse(readFileSync(out, "utf8")) as { commit: string }, stderr: "" };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, info: undefined, stderr: e.stderr };
  }
}

describe("write-build-info", () => {
  it("takes KUBEDUMP_COMMIT when it is set, for a build from a tree without .git", async () => {
    const commit = "0123456789abcdef0123456789abcdef01234567";
    expect(await write({ KUBEDUMP_COMMIT: commit })).toMatchObject({ code: 0, info: { commit } });
  });

  it("refuses a KUBEDUMP_COMMIT that is not a commit", async () => {
    const result = await write({ KUBEDUMP_COMMIT: "main; rm -rf /" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('KUBEDUMP_COMMIT "main; rm -rf /" is not a git commit');
  });

  it("takes the checkout's HEAD without it (a fresh clone has one), and says unknown outside a checkout", async () => {
    const { stdout: head } = await exec("git", ["rev-parse", "HEAD"], { cwd: PACKAGE });
    expect(await write({})).toMatchObject({ code: 0, info: { commit: head.trim() } });
    const elsewhere = join(mkdtempSync(join(tmpdir(), "kubedump-no-git-")), "scripts");
    mkdirSync(elsewhere);
    copyFileSync(SCRIPT, join(elsewhere, "write-build-info.mjs"));
    expect(await write({}, join(elsewhere, "write-build-info.mjs"))).toMatchObject({ info: { commit: "unknown" } });
  });

  it("runs on every build of the CLI, never from turbo's cache, with KUBEDUMP_COMMIT passed through", async () => {
    const { stdout } = await exec("npx", ["turbo", "run", "build", "--filter=kubedump", "--dry=json"], {
      cwd: PACKAGE,
      maxBuffer: 16 << 20,
    });
    const tasks = (
      JSON.parse(stdout) as {
        tasks: { taskId: string; dependencies: string[]; resolvedTaskDefinition: { cache: boolean; env: string[] } }[];
      }
    ).tasks;
    const build = tasks.find((task) => task.taskId === "kubedump#build");
    const info = tasks.find((task) => task.taskId === "kubedump#build-info");
    expect(build?.dependencies).toContain("kubedump#build-info");
    expect(info?.resolvedTaskDefinition).toMatchObject({ cache: false, env: ["KUBEDUMP_COMMIT"] });
  });
});
