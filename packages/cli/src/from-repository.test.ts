// `--from-repository <namespace>/<name>`: the CLI reads a Repository object and its storage Secret
// from the test cluster with the user's kubeconfig and opens the repository they describe (S3 on
// the test MinIO, encrypted with the Secret's password), as the dump worker does; KUBEDUMP_REPO.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EncryptionMismatchError, openRepositoryFromBackend } from "@kubedump/repository";
import { kubeHttp, type SeededCluster, s3RepositoryBackend, seedCluster } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { crUrl, installCrds } from "../../../test/e2e/harness.js";
import { kubeconfigIn as inNamespace, kubedump as run } from "./test-support.js";

const env = inject("testenv");
const NS = "cli-from-repo";
const BUCKET = "kubedump-cli";
const PREFIX = `from-repo-${randomBytes(4).toString("hex")}`;
const PASSWORD = `pw-${randomBytes(8).toString("hex")}`;
const cluster = { KUBECONFIG: env.kubeconfig };
let seeded: SeededCluster;

async function create(path: string, body: object): Promise<void> {
  const res = await kubeHttp(env, path, { body });
  if (res.status !== 201) throw new Error(`creating ${path}: ${res.status} ${res.text}`);
}

const repository = (name: string, backend: object, storageSecretName?: string) =>
  create(crUrl("repositories", NS), {
    apiVersion: "kubedump.io/v1alpha1",
    kind: "Repository",
    metadata: { name },
    spec: { backend, ...(storageSecretName ? { storageSecretName } : {}) },
  });

beforeAll(async () => {
  await installCrds(env);
  seeded = await seedCluster(env, "clifr");
  await create("/api/v1/namespaces", { metadata: { name: NS } });
  const { backend, secret } = s3RepositoryBackend(env, BUCKET, PREFIX);
  await create(`/api/v1/namespaces/${NS}/secrets`, {
    metadata: { name: "s3-secret" },
    stringData: { ...secret, ENCRYPTION_PASSWORD: PASSWORD },
  });
  await repository("repo", backend, "s3-secret");
  // A Secret with the password alone: the keys come from the AWS chain.
  await create(`/api/v1/namespaces/${NS}/secrets`, {
    metadata: { name: "password-only" },
    stringData: { ENCRYPTION_PASSWORD: PASSWORD },
  });
  await repository("keyless", s3RepositoryBackend(env, BUCKET, `${PREFIX}-keyless`).backend, "password-only");
  await repository("no-secret", backend, "gone");
});

const kubeconfigIn = (namespace: string) => inNamespace(env.kubeconfig, namespace);

describe("--from-repository", () => {
  let id: string;

  it("backs up into, lists and verifies the repository a Repository describes, with its Secret's keys and password", async () => {
    const backup = await run(
      ["backup", "--from-repository", `${NS}/repo`, "--namespace", seeded.namespaces.shop, "-o", "json"],
      cluster,
    );
    expect(backup.code, backup.stderr).toBe(0);
    id = JSON.parse(backup.stdout).id;
    const list = await run(["snapshots", "--from-repository", `${NS}/repo`, "-o", "name"], cluster);
    expect(list).toMatchObject({ code: 0, stdout: `${id}\n` });
    const verify = await run(["verify", id, "--from-repository", `${NS}/repo`], cluster);
    expect(verify).toMatchObject({
      code: 0,
      stdout: `snapshot ${id} is sound: 1 part and 10 objects match the index\n`,
    });

    // It is the Repository's place, encrypted with the Secret's password.
    const { backend, secret } = s3RepositoryBackend(env, BUCKET, PREFIX);
    await expect(openRepositoryFromBackend({ backend, secret })).rejects.toBeInstanceOf(EncryptionMismatchError);
    const opened = await openRepositoryFromBackend({ backend, secret: { ...secret, ENCRYPTION_PASSWORD: PASSWORD } });
    expect((await opened.listSnapshots()).map((m) => m.id)).toEqual([id]);
  });

  it("finds a bare name in the kubeconfig context's namespace", async () => {
    const list = await run(["snapshots", "--from-repository", "repo", "-o", "name"], { KUBECONFIG: kubeconfigIn(NS) });
    expect(list).toMatchObject({ code: 0, stdout: `${id}\n` });
    const elsewhere = await run(["snapshots", "--from-repository", "repo"], { KUBECONFIG: kubeconfigIn("default") });
    expect(elsewhere.code).toBe(4);
    expect(elsewhere.stderr).toContain("Repository default/repo not found");
  });

  it("wins over KUBEDUMP_REPO, and --repo given with it is an error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kubedump-cli-env-repo-"));
    const list = await run(["snapshots", "--from-repository", `${NS}/repo`, "-o", "name"], {
      ...cluster,
      KUBEDUMP_REPO: dir,
    });
    expect(list).toMatchObject({ code: 0, stdout: `${id}\n` });
    const both = await run(["snapshots", "--repo", dir, "--from-repository", `${NS}/repo`], cluster);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--repo and --from-repository exclude each other");
  });

  it("without keys in the Repository's Secret takes S3 credentials from the AWS chain of the environment", async () => {
    const keys = { AWS_ACCESS_KEY_ID: env.accessKey, AWS_SECRET_ACCESS_KEY: env.secretKey };
    const backup = await run(
      ["backup", "--from-repository", `${NS}/keyless`, "--namespace", seeded.namespaces.blog, "-o", "json"],
      { ...cluster, ...keys },
    );
    expect(backup.code, backup.stderr).toBe(0);
    const none = await run(["snapshots", "--from-repository", `${NS}/keyless`], {
      ...cluster,
      AWS_EC2_METADATA_DISABLED: "true",
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`Repository ${NS}/keyless`);
    expect(none.stderr).toContain("no S3 credentials");
  });

  it.each([
    ["a Repository that does not exist", `${NS}/nope`, 4, `Repository ${NS}/nope not found`],
    [
      "a Repository whose Secret does not exist",
      `${NS}/no-secret`,
      4,
      `spec.storageSecretName of Repository ${NS}/no-secret: Secret ${NS}/gone not found`,
    ],
    ["a reference that is not <namespace>/<name>", "a/b/c", 2, `--from-repository "a/b/c": expected`],
  ])("names %s", async (_, ref, code, message) => {
    const result = await run(["snapshots", "--from-repository", ref], cluster);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it("never prints the Secret's values", async () => {
    const wrong = await run(["verify", "20200101T000000Z-deadbeef", "--from-repository", `${NS}/repo`], cluster);
    expect(wrong.code).toBe(4);
    for (const value of [env.secretKey, PASSWORD]) expect(wrong.stdout + wrong.stderr).not.toContain(value);
  });
});

describe("KUBEDUMP_REPO", () => {
  it("is the repository of a command without --repo; --repo wins over it", async () => {
    const [a, b] = [0, 1].map(() => mkdtempSync(join(tmpdir(), "kubedump-cli-env-repo-")));
    const backup = await run(["backup", "--namespace", seeded.namespaces.shop, "-o", "json"], {
      ...cluster,
      KUBEDUMP_REPO: a!,
    });
    expect(backup.code, backup.stderr).toBe(0);
    const id = JSON.parse(backup.stdout).id as string;
    expect((await run(["snapshots", "-o", "name", "--repo", a!], cluster)).stdout).toBe(`${id}\n`);
    expect((await run(["snapshots", "-o", "name"], { KUBEDUMP_REPO: a! })).stdout).toBe(`${id}\n`);
    expect((await run(["snapshots", "-o", "name", "--repo", b!], { KUBEDUMP_REPO: a! })).stdout).toBe("");
  });
});
