// The CLI with S3 Object Lock on the test MinIO: `backup --object-lock-retention` writes locked
// objects, `forget` leaves a locked snapshot whole and says until when.
import { randomBytes } from "node:crypto";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { type SeededCluster, s3StoreOptions, seedCluster } from "@kubedump/testenv";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump as run } from "./test-support.js";

const env = inject("testenv");
const LOCKED = `kubedump-cli-lock-${randomBytes(3).toString("hex")}`;
const PLAIN = `kubedump-cli-nolock-${randomBytes(3).toString("hex")}`;
const objectLock = { mode: "GOVERNANCE" as const, retentionMs: 1000 };
// A store asking for a lock creates a missing bucket with Object Lock enabled.
const lockedStore = createS3ObjectStore({ ...s3StoreOptions(env, LOCKED, "cli"), objectLock });
let seeded: SeededCluster;

beforeAll(async () => {
  seeded = await seedCluster(env, "clilock");
  await lockedStore.put("bucket-made", Buffer.from("x"));
  await createS3ObjectStore(s3StoreOptions(env, PLAIN, "")).put("bucket-made", Buffer.from("x"));
});

const credentials = () => ({
  KUBECONFIG: env.kubeconfig,
  AWS_ACCESS_KEY_ID: env.accessKey,
  AWS_SECRET_ACCESS_KEY: env.secretKey,
});
const repoUrl = (bucket: string, prefix: string) =>
  `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(env.s3Endpoint)}&region=us-east-1`;

function backup(repo: string, ...flags: string[]) {
  const args = ["backup", "--repo", repo, "--namespace", seeded.namespaces.shop, "-o", "json", ...flags];
  return run(args, credentials());
}

describe("kubedump with S3 Object Lock", () => {
  it("backs up with locked objects; forget keeps the locked snapshot whole and prints its retain-until time", async () => {
    const repo = repoUrl(LOCKED, "cli");
    const first = await backup(repo, "--object-lock-retention", "1h", "--object-lock-mode", "GOVERNANCE");
    expect(first.code, first.stderr).toBe(0);
    const id = JSON.parse(first.stdout).id as string;
    const until = await lockedStore.retainedUntil(`snapshots/${id}/snapshot.json`);
    expect(until?.getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect((await backup(repo)).code).toBe(0);

    const forget = await run(["forget", "--keep-last", "1", "--repo", repo], credentials());

    expect(forget.code, forget.stderr).toBe(0);
    expect(forget.stdout).toMatch(new RegExp(`${id}\\s+\\S+\\s+locked until \\d{4}-\\d\\d-\\d\\dT`));
    expect(forget.stdout).toMatch(
      /removed 0 snapshots: 0 objects.*\nleft 1 snapshots whole that S3 Object Lock retains/,
    );
    const list = await run(["snapshots", "--repo", repo, "-o", "json"], credentials());
    expect((JSON.parse(list.stdout) as { id: string }[]).map((s) => s.id)).toContain(id);
  });

  it.each([
    [PLAIN, "1h", /--object-lock-retention asks for object retention, but bucket "kubedump-cli-nolock-/],
    [LOCKED, "30d", /--object-lock-retention "30d": a duration such as 720h/],
  ])("refuses a backup into %s with retention %s, naming the flag", async (bucket, retention, message) => {
    const result = await backup(repoUrl(bucket, "bad"), "--object-lock-retention", retention);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});
