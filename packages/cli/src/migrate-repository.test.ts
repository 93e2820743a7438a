// `kubedump migrate-repository` of format-1 repositories (plain and encrypted) in a local directory
// and on the test environment's MinIO: the snapshots keep their ids, times and fields, download
// byte-identical, verify; no format-1 file remains; a second run does nothing; a wrong password
// writes nothing; an encrypted result holds neither the objects' text nor their sha256.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ObjectStore } from "@kubedump/repository";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { filesBelow, s3StoreOptions } from "@kubedump/testenv";
import { describe, expect, inject, it } from "vitest";
import { type Fixture, storedFiles, writeFormat1 } from "./format1-fixture.js";
import { kubedump } from "./test-support.js";

const env = inject("testenv");
const BUCKET = "kubedump-cli";
const PASSWORD = "correct horse battery staple";
const COUNT = 60;

interface Case {
  name: string;
  url: string;
  store: ObjectStore;
  env: Record<string, string>;
  password?: string;
}

function cases(): Case[] {
  const s3Env = { AWS_ACCESS_KEY_ID: env.accessKey, AWS_SECRET_ACCESS_KEY: env.secretKey };
  const local = () => {
    const dir = mkdtempSync(join(tmpdir(), "kubedump-migrate-"));
    return { url: dir, store: createLocalObjectStore({ root: dir }), env: {} };
  };
  const s3 = () => {
    const prefix = `migrate-${randomBytes(4).toString("hex")}`;
    const url = `s3://${BUCKET}/${prefix}?endpoint=${encodeURIComponent(env.s3Endpoint)}&region=us-east-1`;
    return { url, store: createS3ObjectStore(s3StoreOptions(env, BUCKET, prefix)), env: s3Env };
  };
  return [
    { name: "plain local directory", ...local() },
    { name: "encrypted local directory", ...local(), password: PASSWORD },
    { name: "plain MinIO prefix", ...s3() },
    { name: "encrypted MinIO prefix", ...s3(), password: PASSWORD },
  ];
}

const FORMAT1_FILE = /^snapshots\/[^/]+\/(parts\/|index\.json\.gz$|format1-snapshot\.json$)/;
const sha256 = (text: string) => createHash("sha256").update(text).digest();

describe.each(cases())("migrate-repository on a $name", (c) => {
  const run = (args: string[], password = c.password) =>
    kubedump([...args, "--repo", c.url], { ...c.env, ...(password ? { ENCRYPTION_PASSWORD: password } : {}) });
  let fixture: Fixture;
  let listed: object[];

  async function download(id: string): Promise<Map<string, string>> {
    const to = mkdtempSync(join(tmpdir(), "kubedump-migrate-dl-"));
    const result = await run(["download", id, "--to", to]);
    expect(result.code, result.stderr).toBe(0);
    return filesBelow(to);
  }

  it("reads the format-1 repository; --dry-run says what it would convert and writes nothing", async () => {
    fixture = await writeFormat1(c.store, { snapshots: 3, count: COUNT, password: c.password });
    const list = await run(["snapshots", "-o", "json"]);
    expect(list.code, list.stderr).toBe(0);
    listed = JSON.parse(list.stdout) as object[];
    expect(listed.map((s) => (s as { id: string }).id)).toEqual(fixture.ids);
    for (const id of fixture.ids) expect(await download(id)).toEqual(fixture.objects.get(id));
    const before = await storedFiles(c.store);
    const dry = await run(["migrate-repository", "--dry-run", "-o", "json"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      formatBefore: 1,
      snapshots: fixture.ids.map((id) => ({ id, objects: COUNT })),
      objects: 3 * COUNT,
    });
    const text = await run(["migrate-repository", "--dry-run"]);
    expect(text.stdout).toMatch(
      /^would migrate repository\.json to formatVersion 2 and 3 format-1 snapshots \(180 objects, /m,
    );
    expect(await storedFiles(c.store)).toEqual(before);
  });

  it("refuses a wrong password, or one for a plain repository, before writing anything", async () => {
    const before = await storedFiles(c.store);
    const wrong = await run(["migrate-repository"], "not the password");
    expect(wrong.code, wrong.stderr).toBe(c.password ? 6 : 2);
    expect(wrong.stderr).toMatch(c.password ? /wrong encryption password/i : /not encrypted/i);
    expect(await storedFiles(c.store)).toEqual(before);
  });

  it("migrates every snapshot: same ids, times and fields, byte-identical downloads, verify passes", async () => {
    const config = JSON.parse((await c.store.getBuffer("repository.json")).toString("utf8"));
    const result = await run(["migrate-repository", "-o", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      snapshots: { id: string }[];
      damaged: unknown[];
      deletedKeys: number;
    };
    expect(report.snapshots.map((s) => s.id)).toEqual(fixture.ids);
    expect(report.damaged).toEqual([]);
    expect(report.deletedKeys).toBeGreaterThan(3 * 2);
    expect(result.stderr).toMatch(new RegExp(`migrated snapshot ${fixture.ids[2]} \\(3/3\\)`));
    expect(JSON.parse((await c.store.getBuffer("repository.json")).toString("utf8"))).toEqual({
      ...config,
      formatVersion: 2,
    });
    const list = await run(["snapshots", "-o", "json"]);
    expect(list.code, list.stderr).toBe(0);
    const after = JSON.parse(list.stdout) as object[];
    const kept = ({ storedBytes: _s, ...row }: Record<string, unknown>) => row;
    expect(after.map((r) => kept(r as Record<string, unknown>))).toEqual(
      listed.map((r) => kept(r as Record<string, unknown>)),
    );
    for (const id of fixture.ids) {
      expect(await download(id)).toEqual(fixture.objects.get(id));
      const verify = await run(["verify", id]);
      expect(verify.code, verify.stderr).toBe(0);
      const show = await run(["show", id, "-o", "json"]);
      const manifest = JSON.parse(show.stdout) as Record<string, unknown>;
      expect(manifest).toMatchObject({ formatVersion: 2, params: { labelSelector: "app!=scratch" } });
      expect(manifest["warnings"]).toEqual([`listing events.events.k8s.io failed in snapshot ${id}`]);
    }
    const keys = [...(await storedFiles(c.store)).keys()];
    expect(keys.filter((k) => FORMAT1_FILE.test(k))).toEqual([]);
    expect(keys.filter((k) => k.startsWith("locks/"))).toEqual([]);
    expect(keys.filter((k) => k.startsWith("data/")).length).toBeGreaterThan(0);
  });

  it("does nothing the second time", async () => {
    const before = await storedFiles(c.store);
    const again = await run(["migrate-repository", "-o", "json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ formatBefore: 2, snapshots: [], finished: [], deletedKeys: 0 });
    expect(await storedFiles(c.store)).toEqual(before);
  });

  it(`leaves ${c.password ? "neither" : "(plain: only as blob ids)"} the objects' text nor their sha256`, async () => {
    const hashes = [...fixture.objects.values()].flatMap((objects) => [...objects.values()].map(sha256));
    const found = new Set<string>();
    for (const [key, data] of await storedFiles(c.store)) {
      if (data.includes(fixture.marker)) found.add(`text in ${key}`);
      for (const hash of hashes)
        for (const form of [hash, hash.toString("hex"), hash.toString("base64")])
          if (data.includes(form)) found.add(`sha256 in ${key}`);
    }
    if (c.password) expect([...found]).toEqual([]);
    else expect([...found].some((f) => f.startsWith("sha256 in index/"))).toBe(true); // the check sees what is there
  });
});
