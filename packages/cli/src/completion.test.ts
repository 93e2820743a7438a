// `kubedump completion bash|zsh|fish`: each script loaded into the real shell and asked what it
// completes at a point of a command line.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { createProgram } from "./main.js";
import { kubedump } from "./test-support.js";

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "kubedump-completion-"));
const script: Record<string, string> = {};
/** Every command the CLI has, so that a new one must be completed too. */
const COMMANDS = createProgram()
  .commands.map((c) => c.name())
  .sort();

beforeAll(async () => {
  for (const shell of ["bash", "zsh", "fish"]) {
    const run = await kubedump(["completion", shell], {});
    expect(run.code, run.stderr).toBe(0);
    script[shell] = join(dir, `kubedump.${shell}`);
    writeFileSync(script[shell]!, run.stdout);
  }
});

/** What the script completes for `line` (the cursor at its end); a trailing space starts a new word. */
async function bash(line: string): Promise<string[]> {
  const words = line.split(" ");
  const program = `source "$1"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_kubedump; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await exec("bash", ["--norc", "-c", program, "bash", script.bash!]);
  return stdout.split("\n").filter(Boolean).sort();
}

/** zsh: the words the function hands compadd (zsh then filters them by the prefix typed). */
async function zsh(line: string): Promise<string[]> {
  const words = line.split(" ");
  // compadd and _files work only inside a completion widget: outside one they print what they get.
  const program = `compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }; _files() { print -r -- "<files>"; }
source "$1"; words=(${words.map((w) => `'${w}'`).join(" ")}); CURRENT=${words.length}; _kubedump`;
  const { stdout } = await exec("zsh", [
    "-f",
    "-c",
    `autoload -U compinit && compinit -u -D && ${program}`,
    "zsh",
    script.zsh!,
  ]);
  return stdout.split("\n").filter(Boolean).sort();
}

async function fish(line: string): Promise<string[]> {
  const { stdout } = await exec("fish", [
    "--no-config",
    "-c",
    `source $argv[1]; complete -C ${JSON.stringify(line)}`,
    script.fish!,
  ]);
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t")[0]!)
    .sort();
}

const FORMATS = ["json", "name", "table", "wide", "yaml"];

describe("kubedump completion", () => {
  it("refuses a shell it has no script for", async () => {
    const run = await kubedump(["completion", "tcsh"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Allowed choices are bash, zsh, fish");
  });

  it.each([
    ["bash", bash],
    ["fish", fish],
  ])("%s: commands, subcommands, flags and the choices of -o", async (_, complete) => {
    expect(await complete("kubedump ver")).toEqual(["verify", "version"]);
    expect(await complete("kubedump describe ")).toEqual(["session"]);
    expect(await complete("kubedump snapshots -o ")).toEqual(FORMATS);
    expect(await complete("kubedump sessions --kind ")).toEqual(["all", "backup", "restore"]);
    // The value of --repo is not a command: the words after it still belong to `show`.
    expect(await complete("kubedump show --repo ./r --from-")).toEqual(["--from-repository"]);
    expect(await complete("kubedump completion ")).toEqual(["bash", "fish", "zsh"]);
  });

  it("bash: a flag's value is a file name when the flag has no choices", async () => {
    writeFileSync(join(dir, "values-file.yaml"), "");
    expect(await bash(`kubedump download x --to ${join(dir, "values-")}`)).toEqual([join(dir, "values-file.yaml")]);
  });

  it("zsh: registers for kubedump with compinit, and offers what the shell then filters", async () => {
    const { stdout } = await exec("zsh", [
      "-f",
      "-c",
      'autoload -U compinit && compinit -u -D && source "$1" && print -r -- "$_comps[kubedump]"',
      "zsh",
      script.zsh!,
    ]);
    expect(stdout.trim()).toBe("_kubedump");
    expect(await zsh("kubedump ")).toEqual(COMMANDS);
    expect(await zsh("kubedump describe ")).toEqual(["session"]);
    expect(await zsh("kubedump snapshots -o ")).toEqual(FORMATS);
    expect(await zsh("kubedump backup --kubeconfig ")).toEqual(["<files>"]);
    expect(await zsh("kubedump verify x --re")).toContain("--repo");
  });
});
