// The CLI reading a format-2 repository written with the library (@kubedump/repository/format2),
// in a local directory and on the test environment's MinIO: snapshots, show, download, diff,
// history, restore, verify, forget --prune.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type ObjectRecord, openFormat2Repository } from "@kubedump/repository/format2";
import { createLocalObjectStore } from "@kubedump/repository/local";
import type { ObjectStore } from "@kubedump/repository";
import { createS3ObjectStore } from "@kubedump/repository/s3";
import { filesBelow, s3StoreOptions } from "@kubedump/testenv";
import { describe, expect, inject, it } from "vitest";
import { reportTotals } from "./restore-fixture.js";
import { kubedump } from "./test-support.js";

const exec = promisify(execFile);

const env = inject("testenv");
const IDS = ["20261201T010000Z-0f0f0f0f", "20261201T020000Z-0f0f0f0f", "20261201T030000Z-0f0f0f0f"];
const COUNT = 300;

/** ConfigMap `cm-<i>` of namespace `ns-<i % 3>`; snapshot n changes every 10th object from n (n > 0). */
function objects(n: number): { path: string; data: Buffer; record: ObjectRecord }[] {
  return Array.from({ length: COUNT }, (_, i) => {
    const [namespace, name] = [`ns-${i % 3}`, `cm-${i}`];
    const revision = n > 0 && i % 10 === n ? n : 0;
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  revision: "${revision}"\n`;
    const data = Buffer.from(yaml);
    const sha256 = createHash("sha256").update(data).digest("hex");
    const coordinates = { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespace, name };
    const record = { ...coordinates, uid: `uid-${i}`, sha256, bytes: data.length };
    return { path: `namespaces/${namespace}/configmaps/${name}.yaml`, data, record };
  });
}

async function writeRepository(store: ObjectStore): Promise<void> {
  const repository = await openFormat2Repository({ store, packTargetBytes: 8 * 1024 });
  for (const [n, id] of IDS.entries()) {
    const draft = {
      id,
      time: `2026-12-01T0${n + 1}:00:00.000Z`,
      completedAt: `2026-12-01T0${n + 1}:00:05.000Z`,
      source: { kind: "cli" as const },
      cluster: { version: "v1.34.0" },
      scope: { type: "cluster" as const },
      params: {},
      warnings: [],
    };
    await repository.writeSnapshot(draft, objects(n));
  }
}

const BUCKET = "kubedump-cli";
const s3Env = { AWS_ACCESS_KEY_ID: env.accessKey, AWS_SECRET_ACCESS_KEY: env.secretKey };

function repositories(): { name: string; url: string; store: ObjectStore; env: Record<string, string> }[] {
  const dir = mkdtempSync(join(tmpdir(), "kubedump-f2-read-"));
  const prefix = `f2-${randomBytes(4).toString("hex")}`;
  const url = `s3://${BUCKET}/${prefix}?endpoint=${encodeURIComponent(env.s3Endpoint)}&region=us-east-1`;
  return [
    { name: "local directory", url: dir, store: createLocalObjectStore({ root: dir }), env: {} },
    { name: "MinIO", url, store: createS3ObjectStore(s3StoreOptions(env, BUCKET, prefix)), env: s3Env },
  ];
}

describe.each(repositories())("the CLI on a format-2 repository in a $name", ({ url, store, env: extra }) => {
  const run = (args: string[]) => kubedump([...args, "--repo", url], { KUBECONFIG: env.kubeconfig, ...extra });

  it("lists and shows the snapshots written by the library", async () => {
    await writeRepository(store);
    const list = await run(["snapshots", "-o", "json"]);
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as { id: string; objects: number }[];
    expect(rows.map((r) => [r.id, r.objects])).toEqual(IDS.map((id) => [id, COUNT]));
    const show = await run(["show", IDS[1] as string]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^configmaps\s+300$/m);
  });

  it("downloads a tree equal to the objects written", async () => {
    const to = mkdtempSync(join(tmpdir(), "kubedump-f2-dl-"));
    const result = await run(["download", IDS[2] as string, "--to", to]);
    expect(result.code, result.stderr).toBe(0);
    const expected = new Map(objects(2).map((o) => [o.path, o.data.toString("utf8")]));
    expect(filesBelow(to)).toEqual(expected);
  });

  it("diffs two snapshots and tells an object's history", async () => {
    const diff = await run(["diff", IDS[0] as string, IDS[1] as string, "-o", "json"]);
    expect(diff.code, diff.stderr).toBe(1);
    const parsed = JSON.parse(diff.stdout) as { counts: Record<string, number>; objects: { path: string }[] };
    expect(parsed.objects.map((o) => o.path).sort()).toEqual(
      objects(1)
        .filter((_, i) => i % 10 === 1)
        .map((o) => o.path)
        .sort(),
    );
    expect(parsed.counts.unchanged).toBe(COUNT - 30);
    const history = await run(["history", "configmaps/ns-1/cm-1", "-o", "json"]);
    expect(history.code, history.stderr).toBe(0);
    const entries = (JSON.parse(history.stdout) as { entries: { snapshot: string; change: string }[] }).entries;
    expect(entries.map((e) => [e.snapshot, e.change])).toEqual([
      [IDS[0], "added"],
      [IDS[1], "changed"],
      [IDS[2], "changed"], // back to revision 0
    ]);
  });

  it("restores a namespace of a snapshot into the test API server", async () => {
    const to = `f2-restore-${randomBytes(3).toString("hex")}`;
    await exec(env.kubectl, ["create", "namespace", to], { env: { ...process.env, KUBECONFIG: env.kubeconfig } });
    const restored = await run([
      "restore",
      IDS[2] as string,
      "--include-namespaces",
      "ns-0",
      "--namespace-mappings",
      `ns-0:${to}`,
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(reportTotals(restored.stdout)).toMatchObject({ created: COUNT / 3, failed: 0 });
    const args = ["get", "configmap", "cm-12", "-n", to, "-o", "jsonpath={.data.revision}"];
    const { stdout } = await exec(env.kubectl, args, { env: { ...process.env, KUBECONFIG: env.kubeconfig } });
    expect(stdout).toBe("2");
  });

  it("verifies a snapshot, forgets all but the last with prune, and the kept one still reads back", async () => {
    const verify = await run(["verify", IDS[0] as string]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/is sound: \d+ parts? and 300 objects match the index/);
    const forget = await run(["forget", "--keep-last", "1", "-o", "json"]);
    expect(forget.code, forget.stderr).toBe(0);
    const result = JSON.parse(forget.stdout) as { removed: { id: string }[]; deletedBytes: number };
    expect(result.removed.map((r) => r.id).sort()).toEqual(IDS.slice(0, 2));
    expect(result.deletedBytes).toBeGreaterThan(0);
    const after = await run(["verify", IDS[2] as string]);
    expect(after.code, after.stderr).toBe(0);
    const to = mkdtempSync(join(tmpdir(), "kubedump-f2-kept-"));
    expect((await run(["download", IDS[2] as string, "--to", to])).code).toBe(0);
    expect(filesBelow(to)).toEqual(new Map(objects(2).map((o) => [o.path, o.data.toString("utf8")])));
    expect(JSON.parse((await run(["snapshots", "-o", "json"])).stdout)).toHaveLength(1);
  });
});
