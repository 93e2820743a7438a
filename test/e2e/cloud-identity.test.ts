// Backups with no static keys anywhere: S3 credentials come from a web identity, as IRSA provides
// them. The test API server is the OpenID issuer; a MinIO of this file's own trusts it through its
// STS (AssumeRoleWithWebIdentity); the token is the dump-worker ServiceAccount's, from TokenRequest,
// in a file as the kubelet projects it. Once through the CLI, once through the four services.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { openRepositoryFromBackend } from "@kubedump/repository";
import { kubeHttp, type StsMinio, serviceAccountToken, startStsMinio } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { crUrl, installCrds, type Stack, startStack, waitFor } from "./harness.js";
import { conditionOf, testNamespace } from "./test-namespace.js";

const t = inject("testenv");
const space = testNamespace(t, "e2e-sts");
const { ns: NS } = space;
const APP = `${NS}-app`;
const BUCKET = "kubedump-sts-e2e";
const PASSWORD = `sts-${randomBytes(8).toString("hex")}`;
const CLI = join(dirname(fileURLToPath(import.meta.url)), "../../packages/cli/bin/kubedump.js");
const execFileP = promisify(execFile);
let tmp: string;
let sts: StsMinio;
let token: string;
let tokenFile: string;
let stack: Stack | undefined;

/** The web identity, as IRSA's webhook (or the chart's webIdentity values) sets it: no keys. */
const chainEnv = (file: string) => ({
  AWS_ROLE_ARN: sts.roleArn,
  AWS_WEB_IDENTITY_TOKEN_FILE: file,
  AWS_ENDPOINT_URL_STS: sts.endpoint,
});

async function cli(args: string[], env: Record<string, string>) {
  const clean = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", KUBECONFIG: t.kubeconfig };
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [CLI, ...args], { env: { ...clean, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const repoUrl = (prefix: string) =>
  `s3://${BUCKET}/${prefix}?endpoint=${encodeURIComponent(sts.endpoint)}&region=us-east-1`;

/** The repository read with MinIO's root keys: what the keyless writers left there. */
const rootRead = (prefix: string, password?: string) =>
  openRepositoryFromBackend({
    backend: { s3: { endpoint: sts.endpoint, bucket: BUCKET, prefix } },
    secret: {
      AWS_ACCESS_KEY_ID: sts.accessKey,
      AWS_SECRET_ACCESS_KEY: sts.secretKey,
      ...(password ? { ENCRYPTION_PASSWORD: password } : {}),
    },
  });

async function create(path: string, body: object): Promise<void> {
  const res = await kubeHttp(t, path, { body });
  if (res.status !== 201 && res.status !== 409) throw new Error(`creating ${path}: ${res.status} ${res.text}`);
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-sts-e2e-"));
  await installCrds(t);
  for (const name of [NS, APP]) await create("/api/v1/namespaces", { metadata: { name } });
  for (const name of ["settings", "features"])
    await create(`/api/v1/namespaces/${APP}/configmaps`, { metadata: { name }, data: { mode: name } });
  sts = await startStsMinio(t, join(tmp, "minio"), `kubedump-e2e-${randomBytes(3).toString("hex")}`);
  token = await serviceAccountToken(t, NS, "dump-worker", { audience: sts.clientId, expirationSeconds: 3600 });
  tokenFile = join(tmp, "token");
  await writeFile(tokenFile, token, { mode: 0o600 });
  // A Secret holding the token, so the run's end also looks for it in every log and Event.
  await create(`/api/v1/namespaces/${NS}/secrets`, { metadata: { name: "sts-token" }, stringData: { token } });
});

afterAll(async () => {
  await stack?.stop();
  await sts?.process.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe("a backup with web-identity credentials from MinIO's STS and no static keys", () => {
  it("runs through the CLI, and the same command without the web identity finds no credentials", async () => {
    const run = await cli(["backup", "--repo", repoUrl("cli"), "--namespace", APP, "-o", "json"], chainEnv(tokenFile));
    expect(run.code, run.stderr).toBe(0);
    const { id } = JSON.parse(run.stdout) as { id: string };
    expect((await (await rootRead("cli")).getSnapshot(id)).counts).toMatchObject({ configmaps: 2, namespaces: 1 });

    const bare = await cli(["snapshots", "--repo", repoUrl("cli")], { AWS_EC2_METADATA_DISABLED: "true" });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/no S3 credentials: tried the AWS chain: environment \(AWS_ACCESS_KEY_ID/);
  });

  it.each([
    ["a token for another audience", "someone-else", 6, /the STS refused the token: .*audience someone-else/],
    ["a token file that is not there", undefined, 2, /cannot read the token file: ENOENT/],
  ])("fails with %s, naming the role and file, never the token", async (_l, audience, code, reason) => {
    const file = join(tmp, `other-${randomBytes(3).toString("hex")}`);
    const other = audience ? await serviceAccountToken(t, NS, "dump-worker", { audience }) : undefined;
    if (other) await writeFile(file, other);
    const run = await cli(["snapshots", "--repo", repoUrl("cli")], chainEnv(file));
    expect(run.code).toBe(code);
    expect(run.stderr).toContain(`web identity (role ${sts.roleArn}, token file ${file}, STS ${sts.endpoint})`);
    expect(run.stderr).toMatch(reason);
    for (const secret of [token, other].filter(Boolean)) expect(run.stderr + run.stdout).not.toContain(secret);
  });

  it("runs through the services: the worker's BackupSession succeeds, the watcher probes through the STS too", async () => {
    await create(`/api/v1/namespaces/${NS}/secrets`, {
      metadata: { name: "password-only" },
      stringData: { ENCRYPTION_PASSWORD: PASSWORD },
    });
    await create(crUrl("repositories", NS), {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "Repository",
      metadata: { name: "repo" },
      spec: {
        backend: { s3: { endpoint: sts.endpoint, bucket: BUCKET, prefix: "services" } },
        storageSecretName: "password-only",
      },
    });
    await space.createConfig("nightly", {
      schedule: "0 0 1 1 *",
      target: { ref: { apiVersion: "v1", kind: "Namespace", name: APP } },
    });
    stack = await startStack(space, { extraEnv: chainEnv(tokenFile) });

    const repo = await space.waitForPhase("repositories", "repo", "Ready", 90_000);
    expect(conditionOf(repo, "SecretFound")?.message).toMatch(
      /has no AWS keys: S3 credentials come from the AWS chain/,
    );
    await space.createSession("nightly-now", "nightly");
    const session = await space.waitForSession("nightly-now");
    expect(session.status.phase, JSON.stringify(session.status.conditions)).toBe("Succeeded");
    const stored = await rootRead("services", PASSWORD);
    expect(stored.encrypted).toBe(true);
    expect((await stored.getSnapshot(session.status.snapshot.id)).counts).toMatchObject({ configmaps: 2 });
    await waitFor("Repository status from the worker", async () => {
      const r = await space.get("repositories", "repo");
      return r?.status?.snapshotCount >= 1 ? r : undefined;
    });
    for (const p of stack.processes) expect(await readFile(p.logFile, "utf8"), p.name).not.toContain(token);
  });
});
