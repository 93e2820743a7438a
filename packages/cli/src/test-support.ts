// Helpers for this package's tests; excluded from the build (tsconfig.build.json).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { dump, load } from "js-yaml";

const exec = promisify(execFile);
const CLI = join(dirname(fileURLToPath(import.meta.url)), "../bin/kubedump.js");

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

/** A copy of `kubeconfig` whose contexts name `namespace`: what `kubectl config set-context --namespace` makes. */
export function kubeconfigIn(kubeconfig: string, namespace: string): string {
  const config = load(readFileSync(kubeconfig, "utf8")) as { contexts: { context: Record<string, string> }[] };
  for (const c of config.contexts) c.context.namespace = namespace;
  const file = join(mkdtempSync(join(tmpdir(), "kubedump-cli-context-")), "config");
  writeFileSync(file, dump(config));
  return file;
}
