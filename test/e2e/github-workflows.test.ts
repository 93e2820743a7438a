import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensureBinary, VERSIONS } from "@kubedump/testenv";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import type { Obj } from "./harness.js";

// .github/workflows cannot run here, so it is linted for real: actionlint (built from Go modules by
// packages/testenv) checks the syntax, expressions, action inputs and job graph, and runs shellcheck
// (Debian's, installed by scripts/setup.sh) on every `run:` script.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);
const WORKFLOW = join(ROOT, ".github/workflows/ci.yml");

interface LintError {
  kind: string;
  message: string;
  filepath: string;
  line: number;
}

async function actionlint(args: string[]): Promise<{ code: number; errors: LintError[] }> {
  const bin = await ensureBinary("actionlint");
  return new Promise((done, fail) => {
    execFile(bin, ["-format", "{{json .}}", ...args], { cwd: ROOT }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      if (code !== 0 && code !== 1) return fail(new Error(`actionlint exited ${code}: ${stderr}${stdout}`));
      done({ code, errors: stdout.trim() ? (JSON.parse(stdout) as LintError[]) : [] });
    });
  });
}

// A workflow with one mistake of each kind the lint must catch.
const BROKEN = `name: broken
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    needs: tests
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-deepth: 0
      - run: echo "\${{ github.nope }}"
      - run: rm -rf $DIR/*
        env:
          DIR: /tmp/x
`;

describe(".github/workflows", () => {
  it("passes actionlint with shellcheck, with no finding at all", async () => {
    const version = await run(await ensureBinary("actionlint"), ["-version"]);
    expect(version.stdout.split("\n")[0]).toBe(VERSIONS.actionlint);
    expect(await actionlint([])).toEqual({ code: 0, errors: [] });
  });

  it("the lint is real: a broken workflow fails it, naming each mistake and its line", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "kubedump-actionlint-")), "broken.yml");
    writeFileSync(file, BROKEN);
    const { code, errors } = await actionlint([file]);
    expect(code).toBe(1);
    const found = errors.map((e) => `${e.line} ${e.kind}: ${e.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^4 job-needs: .*needs job "tests" which does not exist/),
        expect.stringMatching(/^10 action: input "fetch-deepth" is not defined in action "actions\/checkout@v4"/),
        expect.stringMatching(/^11 expression: property "nope" is not defined/),
        expect.stringMatching(/^12 shellcheck: .*SC2086/),
      ]),
    );
    expect(new Set(errors.map((e) => resolve(ROOT, e.filepath)))).toEqual(new Set([file]));
  });

  it("tests with .ci/run on every push; publishes only on a v* tag, after the tests pass", () => {
    const wf = load(readFileSync(WORKFLOW, "utf8")) as Obj;
    const test = wf.jobs.test as Obj;
    const publish = wf.jobs.publish as Obj;
    expect(wf.on.push.tags).toEqual(["v*"]);
    expect((test.steps as Obj[]).map((s) => s.run).filter(Boolean)).toEqual(["bash .ci/run"]);
    expect(publish.needs).toBe("test");
    expect(publish.if).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect(publish.permissions).toEqual({ contents: "read", packages: "write" });
    const script = (publish.steps as Obj[]).map((s) => s.run ?? "").join("\n");
    expect(script).toMatch(/npm run --silent image -- --platform linux\/amd64,linux\/arm64 --version "\$version"/);
    expect(script).toMatch(/skopeo copy --all "oci-archive:\$archive"/);
    expect(script).toMatch(/helm push .* "oci:\/\//);
  });
});
