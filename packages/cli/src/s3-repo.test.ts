// The CLI against S3 repositories on the test environment's MinIO: `--repo s3://…` with credentials
// and the encryption password from the environment.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createS3ObjectStore, type S3ObjectStore } from "@kubedump/repository/s3";
import { type SeededCluster, s3StoreOptions, seedCluster } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump as run } from "./test-support.js";

const env = inject("testenv");
const P = "clis3";
const BUCKET = "kubedump-cli";
let seeded: SeededCluster;

beforeAll(async () => {
  seeded = await seedCluster(env, P);
});

const credentials = () => ({
  KUBECONFIG: env.kubeconfig,
  AWS_ACCESS_KEY_ID: env.accessKey,
  AWS_SECRET_ACCESS_KEY: env.secretKey,
});

function newRepo(): { url: string; store: S3ObjectStore } {
  const prefix = `cli-${randomBytes(4).toString("hex")}`;
  const store = createS3ObjectStore(s3StoreOptions(env, BUCKET, prefix));
  return { url: `s3://${BUCKET}/${prefix}?endpoint=${encodeURIComponent(env.s3Endpoint)}&region=us-east-1`, store };
}

async function backup(repo: string, extra: Record<string, string> = {}): Promise<string> {
  const result = await run(
    ["backup", "--repo", repo, "--namespace", seeded.namespaces.shop, "-o", "json", "--repository-format", "1"],
    {
      ...credentials(),
      ...extra,
    },
  );
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).id as string;
}

describe("kubedump with --repo s3://…", () => {
  const repo = newRepo();
  let id: string;

  it("backs up, lists, shows, downloads and verifies", async () => {
    id = await backup(repo.url);
    const list = JSON.parse((await run(["snapshots", "--repo", repo.url, "-o", "json"], credentials())).stdout) as {
      id: string;
      objects: number;
    }[];
    expect(list).toEqual([expect.objectContaining({ id, objects: 10 })]);
    expect((await run(["show", id, "--repo", repo.url], credentials())).stdout).toMatch(/^deployments\.apps\s+1$/m);
    const to = mkdtempSync(join(tmpdir(), "kubedump-cli-s3-dl-"));
    expect((await run(["download", id, "--repo", repo.url, "--to", to], credentials())).code).toBe(0);
    expect(readdirSync(join(to, "namespaces", seeded.namespaces.shop)).sort()).toContain("deployments.apps");
    const verify = await run(["verify", id, "--repo", repo.url], credentials());
    expect(verify).toMatchObject({
      code: 0,
      stdout: `snapshot ${id} is sound: 1 part and 10 objects match the index\n`,
    });
  });

  it("verify exits 5 naming the part when one byte of it changed", async () => {
    const damaged = await backup(repo.url);
    const key = `snapshots/${damaged}/parts/00000.tar.gz`;
    const bytes = await repo.store.getBuffer(key);
    bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] as number) ^ 0x10;
    await repo.store.put(key, bytes);

    const result = await run(["verify", damaged, "--repo", repo.url], credentials());

    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`problem: part 0: ${key}: `);
    expect(result.stderr).toContain(`kubedump: snapshot ${damaged} failed verification: 1 problem (listed above)`);
  });

  it("forget --keep-last 1 reports on a dry run, then removes the older snapshots", async () => {
    const newest = await backup(repo.url);
    const dry = await run(["forget", "--repo", repo.url, "--keep-last", "1", "--dry-run"], credentials());
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would remove 2 snapshots, keep 1 \(dry run\)/);
    expect(dry.stdout).toMatch(new RegExp(`${newest}\\s+\\S+\\s+keep\\s+keepLast`));

    const done = await run(["forget", "--repo", repo.url, "--keep-last", "1", "-o", "json"], credentials());
    expect(JSON.parse(done.stdout)).toMatchObject({
      kept: [{ id: newest, group: `cli:namespace/${seeded.namespaces.shop}` }],
      dryRun: false,
    });
    const left = JSON.parse((await run(["snapshots", "--repo", repo.url, "-o", "json"], credentials())).stdout) as {
      id: string;
    }[];
    expect(left.map((s) => s.id)).toEqual([newest]);
  });

  it("prune removes unfinished snapshots once they are old enough", async () => {
    await repo.store.put(
      "snapshots/20200101T000000Z-deadbeef/parts/00000.tar.gz",
      Buffer.from("from a backup that died"),
    );
    const young = await run(["prune", "--repo", repo.url], credentials());
    expect(young.stdout).toContain(
      "removed 0 unfinished snapshots (0 objects, 0 B) and 0 incomplete uploads; left 1 younger than 1h",
    );
    const now = await run(["prune", "--repo", repo.url, "--older-than", "0s"], credentials());
    expect(now.stdout).toContain("removed 20200101T000000Z-deadbeef (1 objects)");
    expect(await repo.store.stat("snapshots/20200101T000000Z-deadbeef/parts/00000.tar.gz")).toBeUndefined();
  });

  it.each<[string, () => string[], () => Record<string, string>, number, RegExp]>([
    [
      "without credentials",
      () => ["snapshots", "--repo", repo.url],
      () => ({ AWS_EC2_METADATA_DISABLED: "true" }),
      2,
      /--repo s3:\/\/kubedump-cli\/[^:]*: no S3 credentials: tried the AWS chain: environment \(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY unset\)/,
    ],
    [
      "with a refused secret key",
      () => ["snapshots", "--repo", repo.url],
      () => ({ ...credentials(), AWS_SECRET_ACCESS_KEY: "wrong-secret-value" }),
      6,
      /denied access to bucket "kubedump-cli"/,
    ],
    [
      "with an unknown --repo parameter",
      () => ["snapshots", "--repo", `s3://${BUCKET}/x?endpointt=x`],
      credentials,
      2,
      /unknown parameter endpointt/,
    ],
    [
      "with forget and no --keep-*",
      () => ["forget", "--repo", repo.url],
      credentials,
      2,
      /give at least one --keep-\* greater than 0/,
    ],
  ])("fails clearly %s, never printing a secret", async (_label, args, environment, code, message) => {
    const result = await run(args(), environment());
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr + result.stdout).not.toContain("wrong-secret-value");
    expect(result.stderr + result.stdout).not.toContain(env.secretKey);
  });

  it("exits 3 when the endpoint cannot be reached", async () => {
    const result = await run(["snapshots", "--repo", `s3://${BUCKET}/x?endpoint=http://127.0.0.1:1`], credentials());
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/cannot reach the object store at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
  });
});

describe("kubedump with an encrypted S3 repository", () => {
  const repo = newRepo();
  const secretValues = [`s3cr3t-${P}-web`, Buffer.from(`s3cr3t-${P}-web`).toString("base64")];
  let id: string;

  it("backs up with ENCRYPTION_PASSWORD, and no stored object holds the Secret's value", async () => {
    id = await backup(repo.url, { ENCRYPTION_PASSWORD: "cli-password" });
    const keys: string[] = [];
    for await (const entry of repo.store.list("")) keys.push(entry.key);
    expect(keys).toHaveLength(4);
    for (const key of keys) {
      const raw = await repo.store.getBuffer(key);
      for (const value of secretValues) expect(raw.includes(Buffer.from(value)), `${value} in ${key}`).toBe(false);
    }
    expect(JSON.parse((await repo.store.getBuffer("repository.json")).toString()).encryption.cipher).toBe(
      "aes-256-gcm",
    );
  });

  it("downloads and verifies with RESTIC_PASSWORD as well", async () => {
    const to = mkdtempSync(join(tmpdir(), "kubedump-cli-s3-enc-"));
    const download = await run(["download", id, "--repo", repo.url, "--to", to], {
      ...credentials(),
      RESTIC_PASSWORD: "cli-password",
    });
    expect(download.code, download.stderr).toBe(0);
    expect(readdirSync(join(to, "namespaces", seeded.namespaces.shop, "secrets"))).toEqual(["web-secret.yaml"]);
    expect(
      (await run(["verify", id, "--repo", repo.url], { ...credentials(), ENCRYPTION_PASSWORD: "cli-password" })).code,
    ).toBe(0);
  });

  it.each<[string, Record<string, string>, number, RegExp]>([
    [
      "a wrong password",
      { ENCRYPTION_PASSWORD: "not-the-password" },
      6,
      /^kubedump: wrong encryption password: it does not match the key check in repository\.json\n$/,
    ],
    ["no password", {}, 2, /the repository is encrypted: set ENCRYPTION_PASSWORD \(or RESTIC_PASSWORD\)/],
  ])("refuses %s with a message that says so", async (_label, extra, code, message) => {
    const result = await run(
      ["download", id, "--repo", repo.url, "--to", mkdtempSync(join(tmpdir(), "kubedump-cli-x-"))],
      { ...credentials(), ...extra },
    );
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it("refuses to write unencrypted into it, and encrypted into an unencrypted one", async () => {
    const plain = newRepo();
    await backup(plain.url);
    const into = await run(["backup", "--repo", plain.url, "--namespace", seeded.namespaces.shop], {
      ...credentials(),
      ENCRYPTION_PASSWORD: "x",
    });
    expect(into.code).toBe(2);
    expect(into.stderr).toMatch(/is not encrypted, but an encryption password was given/);
    const without = await run(["backup", "--repo", repo.url, "--namespace", seeded.namespaces.shop], credentials());
    expect(without.code).toBe(2);
  });
});
