// The restore CLI tests' fixture (restore-cli*.test.ts); excluded from the build (tsconfig.build.json).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestEnvInfo } from "@kubedump/testenv";
import { kubedump, type Run } from "./test-support.js";

const exec = promisify(execFile);

/** The label on every object of a restore test's source namespace: restores select by it. */
export const RESTORE_LABEL = "kubedump.test/restore-cli";

/**
 * A namespace to back up and restore, as YAML for `kubectl apply`: two ConfigMaps (one named
 * `reject-me`), a Secret, a ServiceAccount, a Role and a RoleBinding of the ServiceAccount, each
 * labelled RESTORE_LABEL=<ns>. Seven objects with the Namespace.
 */
export function restoreSource(ns: string): string {
  const meta = (kind: string, apiVersion: string, name: string, namespaced = true) =>
    `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n${namespaced ? `  namespace: ${ns}\n` : ""}  labels: {"${RESTORE_LABEL}": "${ns}"}\n`;
  return [
    meta("Namespace", "v1", ns, false),
    `${meta("ConfigMap", "v1", "settings", true)}data: {greeting: "grüß dich"}\n`,
    `${meta("ConfigMap", "v1", "reject-me", true)}data: {a: "1"}\n`,
    `${meta("Secret", "v1", "token", true)}type: Opaque\nstringData: {password: hunter2}\n`,
    meta("ServiceAccount", "v1", "robot", true),
    `${meta("Role", "rbac.authorization.k8s.io/v1", "reader", true)}rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]\n`,
    `${meta("RoleBinding", "rbac.authorization.k8s.io/v1", "robot-reads", true)}roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\nsubjects: [{kind: ServiceAccount, name: robot, namespace: ${ns}}]\n`,
  ].join("---\n");
}

/** The TOTAL row of a restore report: outcome → count. */
export function reportTotals(stdout: string): Record<string, number> {
  const lines = stdout.split("\n");
  const header =
    lines
      .find((l) => l.startsWith("TYPE"))
      ?.trim()
      .split(/\s+/) ?? [];
  const total =
    lines
      .find((l) => l.startsWith("TOTAL"))
      ?.trim()
      .split(/\s+/) ?? [];
  return Object.fromEntries(header.slice(1).map((h, i) => [h.toLowerCase(), Number(total[i + 1])]));
}

/**
 * A source namespace `<prefix>-src-<random>` backed up by the CLI into a local repository, and the
 * commands the tests run against it. Call `setUp` in beforeAll.
 */
export function restoreFixture(env: Pick<TestEnvInfo, "kubectl" | "kubeconfig">, prefix: string) {
  const suffix = randomBytes(3).toString("hex");
  const src = `${prefix}-src-${suffix}`;
  const state = { dir: "", repo: "", id: "" };
  const kubectl = (args: string[], input?: string) => {
    const running = exec(env.kubectl, args, { env: { ...process.env, KUBECONFIG: env.kubeconfig } });
    if (input !== undefined) running.child.stdin?.end(input);
    return running;
  };
  const cli = (args: string[]): Promise<Run> => kubedump(args, { KUBECONFIG: env.kubeconfig });
  return {
    suffix,
    src,
    state,
    kubectl,
    cli,
    /** `restore <id>` of the source namespace's labelled objects into `to`. */
    restore: (to: string, ...args: string[]) =>
      cli([
        "restore",
        state.id,
        "--repo",
        state.repo,
        "-l",
        `${RESTORE_LABEL}=${src}`,
        "--namespace-mappings",
        `${src}:${to}`,
        ...args,
      ]),
    async exists(args: string[]): Promise<boolean> {
      const { stdout } = await kubectl(["get", ...args, "--ignore-not-found", "-o", "name"]);
      return stdout.trim() !== "";
    },
    async setUp(): Promise<void> {
      state.dir = mkdtempSync(join(tmpdir(), `kubedump-${prefix}-`));
      writeFileSync(join(state.dir, "source.yaml"), restoreSource(src));
      await kubectl(["apply", "-f", join(state.dir, "source.yaml")]);
      state.repo = join(state.dir, "repo");
      const run = await cli(["backup", "--repo", state.repo, "--namespace", src, "-o", "json"]);
      if (run.code !== 0) throw new Error(`backup exited ${run.code}: ${run.stderr}`);
      state.id = JSON.parse(run.stdout).id;
    },
  };
}
