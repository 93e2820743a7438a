// Corrupted and truncated repository files, in a local repository and on MinIO: `verify` exits 5
// naming the file, `restore` refuses before its first write, `snapshots` lists the rest and warns.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectStore } from "@kubedump/repository";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { kubeHttp, s3StoreOptions } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump, type Run } from "./test-support.js";

const env = inject("testenv");
const suffix = randomBytes(3).toString("hex");
const src = `damaged-src-${suffix}`;
const tally = { damages: 0, runs: 0 };

beforeAll(async () => {
  await kubeHttp(env, "/api/v1/namespaces", { body: { metadata: { name: src } } });
  for (const name of ["one", "two", "three"]) {
    const body = { metadata: { name }, data: { greeting: `hello ${name}` } };
    await kubeHttp(env, `/api/v1/namespaces/${src}/configmaps`, { body });
  }
});

afterAll(() => {
  console.log(`damaged repository files: ${tally.damages} damages, ${tally.runs} command runs, each refused or warned`);
  expect(tally).toEqual({ damages: 2 * DAMAGES.length, runs: 2 * DAMAGES.length * 3 });
});

type Damage = (data: Buffer) => Buffer;
const truncated: Damage = (data) => data.subarray(0, data.length >> 1);
/** 16 bytes overwritten with 0xff from `at` (a share of the length). */
const overwritten =
  (at: number): Damage =>
  (data) => {
    const start = Math.floor(data.length * at);
    return Buffer.from(data).fill(0xff, start, Math.min(data.length, start + 16));
  };

/** Which file of the newest snapshot (or the repository) is damaged, how, and who still lists what. */
const DAMAGES: { file: "part" | "index" | "snapshot.json" | "repository.json"; how: string; damage: Damage }[] = [
  { file: "part", how: "truncated", damage: truncated },
  { file: "part", how: "overwritten in the middle", damage: overwritten(0.5) },
  { file: "index", how: "truncated", damage: truncated },
  { file: "index", how: "overwritten in the middle", damage: overwritten(0.5) },
  { file: "snapshot.json", how: "truncated", damage: truncated },
  { file: "snapshot.json", how: "overwritten at the start", damage: overwritten(0) },
  { file: "repository.json", how: "truncated", damage: truncated },
  { file: "repository.json", how: "overwritten at the start", damage: overwritten(0) },
];

function keyOf(file: (typeof DAMAGES)[number]["file"], id: string): string {
  if (file === "repository.json") return file;
  if (file === "part") return `snapshots/${id}/parts/00000.tar.gz`;
  return `snapshots/${id}/${file === "index" ? "index.json.gz" : file}`;
}

const backends: [string, () => { repo: string; store: ObjectStore; env: Record<string, string> }][] = [
  [
    "a local repository",
    () => {
      const repo = join(mkdtempSync(join(tmpdir(), "kubedump-damaged-")), "repo");
      return { repo, store: createLocalObjectStore({ root: repo }), env: {} };
    },
  ],
  [
    "a MinIO repository",
    () => {
      const prefix = `damaged-${suffix}`;
      const endpoint = encodeURIComponent(env.s3Endpoint);
      return {
        repo: `s3://kubedump-cli/${prefix}?endpoint=${endpoint}&region=us-east-1`,
        store: createS3ObjectStore(s3StoreOptions(env, "kubedump-cli", prefix)),
        env: { AWS_ACCESS_KEY_ID: env.accessKey, AWS_SECRET_ACCESS_KEY: env.secretKey },
      };
    },
  ],
];

describe.each(backends)("damaged files in %s", (_label, create) => {
  const { repo, store, env: extra } = create();
  const cli = (args: string[]): Promise<Run> =>
    kubedump([...args, "--repo", repo], { KUBECONFIG: env.kubeconfig, ...extra });
  const ids: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const run = await cli(["backup", "--namespace", src, "-o", "json", "--repository-format", "1"]);
      expect(run.code, run.stderr).toBe(0);
      ids.push(JSON.parse(run.stdout).id);
    }
    // Kept in the order they were taken: listings order by time, and two snapshots taken in one
    // second would order differently by id.
  });

  it.each(DAMAGES)("$file $how", async ({ file, how, damage }) => {
    const [older, newer] = ids as [string, string];
    const key = keyOf(file, newer);
    const original = await store.getBuffer(key);
    await store.put(key, damage(original));
    const to = `damaged-to-${suffix}-${file.replace(/\W/g, "")}`;
    try {
      const [verify, restore, list] = await Promise.all([
        cli(["verify", newer]),
        cli(["restore", newer, "--namespace-mappings", `${src}:${to}`]),
        cli(["snapshots", "-o", "json"]),
      ]);
      tally.damages += 1;
      tally.runs += 3;

      expect(verify.code, verify.stderr).toBe(5);
      expect(verify.stderr).toContain(key);
      expect(restore.code, restore.stderr).toBe(5);
      expect(restore.stderr).toContain(key);
      expect((await kubeHttp(env, `/api/v1/namespaces/${to}`)).status).toBe(404);
      expect(list.code, list.stderr).toBe(0);
      const listed = (JSON.parse(list.stdout) as { id: string }[]).map((s) => s.id);
      expect(listed).toEqual(file === "snapshot.json" ? [older] : [older, newer]);
      // Listing reads snapshot.json and the sizes of a listing: a same-size change of a part or the
      // index is for verify to find.
      const sameSize = how !== "truncated" && (file === "part" || file === "index");
      if (sameSize) expect(list.stderr).toBe("");
      else expect(list.stderr).toMatch(new RegExp(`^warning: .*${key.replace(/\./g, "\\.")}`));
    } finally {
      await store.put(key, original);
    }
  });

  it("reads sound again once every file is back", async () => {
    const [verify, list] = await Promise.all([cli(["verify", ids[1]!]), cli(["snapshots", "-o", "json"])]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(list.stderr).toBe("");
  });
});
