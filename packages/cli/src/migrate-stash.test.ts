import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { validateBackupConfiguration, validateRepository } from "@kubedump/api";
import { kubeHttp } from "@kubedump/testenv";
import { load, loadAll } from "js-yaml";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { installCrds } from "../../../test/e2e/harness.js";

// `kubedump migrate stash` as users run it, on Stash's documentation examples (src/migrate/stash-docs),
// each moved into a namespace of this test; what it writes goes to the test API server.
const env = inject("testenv");
const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, "../bin/kubedump.js");
const DOCS = join(HERE, "migrate/stash-docs");
const FIXTURES = readdirSync(DOCS).filter((f) => f.endsWith(".yaml"));
const nsOf = (file: string) => `migrate-${file.replace(/\.yaml$/, "")}`.slice(0, 63);
const inputDir = mkdtempSync(join(tmpdir(), "kubedump-migrate-in-"));
const STDIN_NS = "migrate-stdin";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], input = ""): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env: { ...process.env, KUBECONFIG: env.kubeconfig } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}
const kubedump = (args: string[], input?: string) => run(process.execPath, [CLI, ...args], input);
const kubectl = (args: string[], input?: string) => run(env.kubectl, args, input);

/** Every value of every Secret of the input, as stored (base64) and decoded. */
function secretValues(): string[] {
  return FIXTURES.flatMap((f) =>
    (loadAll(readFileSync(join(DOCS, f), "utf8")) as { kind?: string; data?: Record<string, string> }[])
      .filter((o) => o?.kind === "Secret")
      .flatMap((s) => Object.values(s.data ?? {}))
      .flatMap((b64) => [b64, Buffer.from(b64, "base64").toString("utf8")]),
  );
}

beforeAll(async () => {
  await installCrds(env);
  for (const name of [STDIN_NS, ...FIXTURES.map(nsOf)]) {
    const ns = await kubeHttp(env, "/api/v1/namespaces", { body: { metadata: { name } } });
    expect([201, 409]).toContain(ns.status);
  }
  for (const file of FIXTURES) {
    const text = readFileSync(join(DOCS, file), "utf8").replaceAll("namespace: demo", `namespace: ${nsOf(file)}`);
    writeFileSync(join(inputDir, file), text);
  }
});

describe("kubedump migrate stash", () => {
  it("converts a directory of Stash YAML into objects the API server accepts, reporting what it left out", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "kubedump-migrate-out-")), "kubedump");
    const migrated = await kubedump(["migrate", "stash", "-f", inputDir, "--include-secrets", "-o", out]);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toBe("");
    expect(readFileSync(join(out, "migration-report.txt"), "utf8")).toBe(migrated.stderr);
    for (const value of secretValues()) expect(migrated.stderr).not.toContain(value);
    expect(migrated.stderr).toContain("spec.runtimeSettings: the backups run in the dump workers");
    const files = readdirSync(out).filter((f) => f.endsWith(".yaml"));
    const secrets = files.filter((f) => f.includes("-secret-"));
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const f of secrets) expect(statSync(join(out, f)).mode & 0o777).toBe(0o600);

    const dryRun = await kubectl(["apply", "--server-side", "--dry-run=server", "-f", out]);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout.trim().split("\n")).toHaveLength(files.length);

    const kubedumpFiles = files.filter((f) => !secrets.includes(f));
    const created = await kubectl(["create", ...kubedumpFiles.flatMap((f) => ["-f", join(out, f)])]);
    expect(created.code, created.stderr).toBe(0);
    for (const f of kubedumpFiles) {
      const written = load(readFileSync(join(out, f), "utf8")) as {
        kind: string;
        metadata: { name: string; namespace: string };
        spec: object;
      };
      const plural = written.kind === "Repository" ? "repositories" : "backupconfigurations";
      const path = `/apis/kubedump.io/v1alpha1/namespaces/${written.metadata.namespace}/${plural}/${written.metadata.name}`;
      const served = await kubeHttp(env, path);
      expect(served.status, served.text).toBe(200);
      expect(served.body.spec).toMatchObject(written.spec);
      const validate = written.kind === "Repository" ? validateRepository : validateBackupConfiguration;
      expect(validate(served.body), f).toMatchObject({ ok: true });
    }
  });

  it("reads stdin and writes YAML to stdout, which kubectl applies", async () => {
    const input = readFileSync(join(DOCS, "s3.yaml"), "utf8").replaceAll("namespace: demo", `namespace: ${STDIN_NS}`);
    const migrated = await kubedump(["migrate", "stash", "-f", "-"], input);
    expect(migrated.code, migrated.stderr).toBe(0);
    const objects = loadAll(migrated.stdout) as { kind: string; spec: { storageSecretName?: string } }[];
    expect(objects.map((o) => o.kind)).toEqual(["Repository", "BackupConfiguration"]);
    expect(objects[0]?.spec.storageSecretName).toBe("s3-secret");
    const applied = await kubectl(["apply", "--server-side", "--dry-run=server", "-f", "-"], migrated.stdout);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`repository.kubedump.io/s3-repo serverside-applied (server dry run)`);
  });

  it("replaces files in --output-dir only with --force", async () => {
    const out = mkdtempSync(join(tmpdir(), "kubedump-migrate-again-"));
    const args = ["migrate", "stash", "-f", join(inputDir, "namespace.yaml"), "-o", out];
    expect((await kubedump(args)).code).toBe(0);
    const again = await kubedump(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/migration-report\.txt exists \(--force replaces\)/);
    expect((await kubedump([...args, "--force"])).code).toBe(0);
  });

  it.each([
    ["input without a KubeDump BackupConfiguration", ["-f", "-"], /nothing to migrate/],
    ["a file that is not there", ["-f", join(inputDir, "missing.yaml")], /-f \S+missing\.yaml: ENOENT/],
  ])("exits 2 on %s", async (_case, args, message) => {
    const workloadBackup = readFileSync(join(DOCS, "concept-backupconfiguration.yaml"), "utf8").split("\n---\n")[0];
    const result = await kubedump(["migrate", "stash", ...args], workloadBackup);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
