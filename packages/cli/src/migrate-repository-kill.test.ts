// `kubedump migrate-repository` SIGKILLed once it has migrated a snapshot: every snapshot is still
// there, as format 1 with all its files or as format 2 reading back whole; the dead run's lock
// refuses a second run until it is removed; the second run then finishes and loses nothing.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type ObjectStore, openRepository } from "@kubedump/repository";
import { format2Of } from "@kubedump/repository/format2";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { s3StoreOptions } from "@kubedump/testenv";
import { describe, expect, inject, it } from "vitest";
import { type Fixture, storedFiles, writeFormat1 } from "./format1-fixture.js";
import { kubedump } from "./test-support.js";

const env = inject("testenv");
const CLI = join(dirname(fileURLToPath(import.meta.url)), "../bin/kubedump.js");
const BUCKET = "kubedump-cli";
const SNAPSHOTS = 8;

function cases() {
  const dir = mkdtempSync(join(tmpdir(), "kubedump-migrate-kill-"));
  const prefix = `migrate-kill-${randomBytes(4).toString("hex")}`;
  const url = `s3://${BUCKET}/${prefix}?endpoint=${encodeURIComponent(env.s3Endpoint)}&region=us-east-1`;
  const s3Env = { AWS_ACCESS_KEY_ID: env.accessKey, AWS_SECRET_ACCESS_KEY: env.secretKey };
  return [
    { name: "a plain local directory", url: dir, store: createLocalObjectStore({ root: dir }), env: {} },
    {
      name: "an encrypted MinIO prefix",
      url,
      store: createS3ObjectStore(s3StoreOptions(env, BUCKET, prefix)),
      env: { ...s3Env, ENCRYPTION_PASSWORD: "kill me softly" },
      password: "kill me softly",
    },
  ];
}

/** Runs migrate-repository and SIGKILLs it at its first "migrated snapshot" line; resolves with its stderr. */
async function killedMigration(
  url: string,
  extra: Record<string, string>,
): Promise<{ lines: string[]; signal: string | null }> {
  const child = spawn(process.execPath, [CLI, "migrate-repository", "--repo", url], {
    env: { ...process.env, ...extra },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<string | null>((resolve) => child.on("exit", (_, signal) => resolve(signal)));
  const lines: string[] = [];
  for await (const line of createInterface({ input: child.stderr })) {
    lines.push(line);
    if (line.startsWith("migrated snapshot")) child.kill("SIGKILL");
  }
  return { lines, signal: await exited };
}

/** Each snapshot's objects as the repository reads them now. */
async function readAll(store: ObjectStore, password: string | undefined, ids: readonly string[]) {
  const repository = await openRepository({ store, password });
  const read = new Map<string, Map<string, string>>();
  for (const id of ids) {
    const objects = new Map<string, string>();
    for await (const o of repository.readObjects(id)) objects.set(o.path, o.data.toString("utf8"));
    read.set(id, objects);
  }
  return read;
}

/** The killed state: each snapshot format 1 with every file its snapshot.json names, or format 2 reading back whole. */
async function expectEverySnapshotThere(store: ObjectStore, password: string | undefined, fixture: Fixture) {
  const files = await storedFiles(store);
  const formats: number[] = [];
  for (const id of fixture.ids) {
    const manifest = JSON.parse(files.get(`snapshots/${id}/snapshot.json`)?.toString("utf8") ?? "null");
    formats.push(manifest.formatVersion);
    if (manifest.formatVersion === 2) {
      expect(await readAll(store, password, [id])).toEqual(new Map([[id, fixture.objects.get(id)]]));
      continue;
    }
    expect(manifest.formatVersion).toBe(1);
    for (const file of [manifest.index, ...manifest.parts] as { key: string; bytes: number }[])
      expect(files.get(file.key)?.length, file.key).toBe(file.bytes);
  }
  return formats;
}

describe.each(cases())("migrate-repository SIGKILLed part-way, on $name", (c) => {
  it("leaves every snapshot readable, and a second run finishes and loses nothing", async () => {
    const fixture = await writeFormat1(c.store, { snapshots: SNAPSHOTS, count: 150, password: c.password });
    const { lines, signal } = await killedMigration(c.url, c.env);
    expect(signal, lines.join("\n")).toBe("SIGKILL");
    expect(lines.filter((l) => l.startsWith("migrated snapshot")).length).toBeGreaterThanOrEqual(1);

    const formats = await expectEverySnapshotThere(c.store, c.password, fixture);
    expect(formats.filter((f) => f === 2).length).toBeGreaterThanOrEqual(1);
    expect(formats.filter((f) => f === 1).length, "killed before the end").toBeGreaterThanOrEqual(1);

    const refused = await kubedump(["migrate-repository", "--repo", c.url], c.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/exclusive repository lock: exclusive lock locks\/\w+ held by migrate-repository/);
    // The dead run's lock would expire after its ttl (5 minutes); its holder is known dead, so it goes now.
    for (const key of (await storedFiles(c.store)).keys()) if (key.startsWith("locks/")) await c.store.delete(key);

    const rerun = await kubedump(["migrate-repository", "--repo", c.url, "-o", "json"], c.env);
    expect(rerun.code, rerun.stderr).toBe(0);
    const report = JSON.parse(rerun.stdout) as { snapshots: { id: string }[]; finished: string[] };
    expect(report.snapshots.length + report.finished.length).toBeGreaterThanOrEqual(
      formats.filter((f) => f === 1).length,
    );
    expect(await expectEverySnapshotThere(c.store, c.password, fixture)).toEqual(fixture.ids.map(() => 2));
    expect(await readAll(c.store, c.password, fixture.ids)).toEqual(fixture.objects);
    const repository = await openRepository({ store: c.store, password: c.password });
    expect((await repository.listSnapshots()).map((s) => s.id)).toEqual(fixture.ids);
    expect((await format2Of(repository)?.verify())?.problems).toEqual([]);
    const keys = [...(await storedFiles(c.store)).keys()];
    expect(keys.filter((k) => /^snapshots\/[^/]+\/(?!snapshot\.json$)/.test(k) || k.startsWith("locks/"))).toEqual([]);
  });
});
