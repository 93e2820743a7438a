import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { filePaths } from "./files.js";
import { kubeHttp } from "./kube-http.js";
import type { TestEnvInfo } from "./testenv.js";

/**
 * Where the services and CLI runs of one test run write their logs (one directory per run, below
 * the test servers' directory), so that the run's end can scan every one of them for Secrets.
 */
export const runLogDir = (info: Pick<TestEnvInfo, "dir">): string => join(info.dir, "logs");

/** Values shorter than this are too common to tell a leak from a coincidence ("true", "x"). */
export const MIN_SECRET_LENGTH = 8;

/** A value to look for and the Secret key it came from (named, never shown). */
export interface SecretValue {
  value: string;
  from: string;
}

/** A Secret value found where it must not be: the place and the Secret key, never the value. */
export interface SecretFinding {
  where: string;
  secret: string;
}

export interface SecretScan {
  secrets: number;
  values: number;
  files: number;
  bytes: number;
  events: number;
  findings: SecretFinding[];
}

/** The forms a value may leak in: as it is and base64-encoded (as a Secret's `data` holds it). */
const formsOf = (value: string): string[] => [value, Buffer.from(value).toString("base64")];

/** The Secret values (and their base64 forms) that occur in `text`, as findings at `where`. */
export function findSecrets(text: string, values: SecretValue[], where: string): SecretFinding[] {
  return values.filter((v) => formsOf(v.value).some((f) => text.includes(f))).map((v) => ({ where, secret: v.from }));
}

/** The values of every Secret on the API server (Helm's release records aside) of at least MIN_SECRET_LENGTH characters. */
export async function secretValuesOf(info: TestEnvInfo): Promise<{ secrets: number; values: SecretValue[] }> {
  const res = await kubeHttp(info, "/api/v1/secrets");
  if (res.status !== 200) throw new Error(`listing Secrets: ${res.status} ${res.text}`);
  const items = (res.body.items ?? []) as {
    type?: string;
    metadata: { namespace: string; name: string };
    data?: Record<string, string>;
  }[];
  const secrets = items.filter((s) => s.type !== "helm.sh/release.v1");
  const values = secrets.flatMap((s) =>
    Object.entries(s.data ?? {})
      .map(([key, b64]) => ({
        value: Buffer.from(b64, "base64").toString("utf8"),
        from: `${s.metadata.namespace}/${s.metadata.name} ${key}`,
      }))
      .filter((v) => v.value.length >= MIN_SECRET_LENGTH),
  );
  return { secrets: secrets.length, values };
}

/**
 * The end-of-run check: every Secret value on the API server, looked for in every file the run
 * logged (runLogDir) and in every Event's message. Findings name the file or Event and the Secret.
 */
export async function scanRunForSecrets(info: TestEnvInfo): Promise<SecretScan> {
  const { secrets, values } = await secretValuesOf(info);
  const dir = runLogDir(info);
  const scan: SecretScan = { secrets, values: values.length, files: 0, bytes: 0, events: 0, findings: [] };
  for (const file of filePaths(dir)) {
    const text = readFileSync(file, "utf8");
    scan.files += 1;
    scan.bytes += text.length;
    scan.findings.push(...findSecrets(text, values, `log ${relative(dir, file)}`));
  }
  const events = await kubeHttp(info, "/api/v1/events");
  for (const e of (events.body?.items ?? []) as { metadata: { namespace: string; name: string }; message?: string }[]) {
    scan.events += 1;
    scan.findings.push(...findSecrets(e.message ?? "", values, `Event ${e.metadata.namespace}/${e.metadata.name}`));
  }
  return scan;
}

/** Writes the scan where scripts/check-secret-scan.mjs reads it after the run. */
export function writeSecretScan(path: string, scan: SecretScan): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(scan, null, 2)}\n`);
}
