// A repository is untrusted input: forged snapshots (every hash right) against `kubedump verify`,
// `download --to` and `restore` on the real API server. Each must exit 5 naming the problem;
// download writes nothing outside --to and creates no link; restore creates nothing.
import { randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { commitForgery } from "./hostile-forgery.js";
import { HOSTILE_CASES, type HostileCase } from "./hostile-snapshots.js";
import { kubedump, type Run } from "./test-support.js";

const env = inject("testenv");
const suffix = randomBytes(3).toString("hex");
let dir: string;
let repo: string;
const tally = { inputs: 0, runs: 0, refused: 0 };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kubedump-hostile-"));
  repo = join(dir, "repo");
});

afterAll(() => {
  // The figures docs/reliability.md quotes.
  console.log(
    `hostile repository inputs: ${tally.inputs} forged snapshots, ${tally.runs} command runs, ${tally.refused} refused cleanly`,
  );
  expect(tally).toEqual({ inputs: HOSTILE_CASES.length, runs: expectedRuns(), refused: expectedRuns() });
});

function expectedRuns(): number {
  return HOSTILE_CASES.reduce((sum, c) => sum + c.commands.length, 0);
}

/** Every file, directory and link below `root`, as lstat sees it (links are not followed). */
function walk(root: string): { path: string; kind: "file" | "dir" | "symlink" | "other"; links: number }[] {
  return readdirSync(root, { recursive: true, encoding: "utf8" }).map((path) => {
    const info = lstatSync(join(root, path));
    const kind = info.isSymbolicLink() ? "symlink" : info.isDirectory() ? "dir" : info.isFile() ? "file" : "other";
    return { path, kind, links: info.nlink };
  });
}

const cli = (args: string[]): Promise<Run> => kubedump(args, { KUBECONFIG: env.kubeconfig });

/** Runs `command` against snapshot `id` and returns its outcome; download writes below `sandbox`/a/b/to. */
async function attempt(command: HostileCase["commands"][number], id: string, sandbox: string): Promise<Run> {
  if (command === "download") return cli(["download", id, "--repo", repo, "--to", join(sandbox, "a", "b", "to")]);
  return cli([command, id, "--repo", repo]);
}

describe("kubedump refuses a forged repository", () => {
  it.each(HOSTILE_CASES.map((c, i) => ({ ...c, i })))("$name", async (hostile) => {
    const ns = `hostile-${suffix}-${hostile.i}`;
    const sandbox = join(dir, `sandbox-${hostile.i}`);
    const outside = join(sandbox, "outside");
    mkdirSync(outside, { recursive: true });
    const escaped = `escaped-${suffix}.yaml`;
    const store = createLocalObjectStore({ root: repo });
    const id = await commitForgery(store, join(dir, `scratch-${hostile.i}`), hostile.forge(ns, { outside, escaped }));
    tally.inputs += 1;

    const runs = await Promise.all(hostile.commands.map((command) => attempt(command, id, sandbox)));

    for (const [i, run] of runs.entries()) {
      tally.runs += 1;
      const label = `${hostile.commands[i]}: ${run.stderr}`;
      expect(run.code, label).toBe(5);
      expect(run.stderr, label).toContain(hostile.problem);
      expect(run.stderr, label).not.toMatch(/\n\s+at /); // a message, not a stack trace
      tally.refused += 1;
    }
    const files = walk(sandbox);
    expect(files.filter((f) => f.kind === "symlink" || f.kind === "other")).toEqual([]);
    expect(files.filter((f) => f.kind === "file" && f.links !== 1)).toEqual([]);
    const to = join("a", "b", "to");
    expect(files.filter((f) => f.kind === "file" && !f.path.startsWith(`${to}/`)).map((f) => f.path)).toEqual([]);
    expect(files.filter((f) => f.path.includes(escaped)).map((f) => relative(sandbox, f.path))).toEqual([]);
    expect(readdirSync(outside)).toEqual([]);
    if (hostile.commands.includes("restore")) {
      expect((await kubeHttp(env, `/api/v1/namespaces/${ns}`)).status).toBe(404);
      expect((await kubeHttp(env, `/api/v1/namespaces/${ns}/configmaps/victim`)).status).toBe(404);
    }
  });
});
