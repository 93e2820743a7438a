// Helpers for this package's tests; excluded from the build (tsconfig.build.json).
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);
const CLI = join(dirname(fileURLToPath(import.meta.url)), "../dist/main.js");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with `env` on top of a copy of this process's environment minus the S3 and password variables. */
export async function kubedump(args: string[], env: Record<string, string>): Promise<Run> {
  const base = { ...process.env };
  for (const key of [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "CA_CERT_DATA",
    "ENCRYPTION_PASSWORD",
    "RESTIC_PASSWORD",
  ])
    delete base[key];
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env: { ...base, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

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
