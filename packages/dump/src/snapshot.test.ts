import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubeClient } from "@kubedump/kube";
import { openRepository, SnapshotExistsError } from "@kubedump/repository";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { seedCluster } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { takeSnapshot } from "./index.js";

const env = inject("testenv");
const client = createKubeClient({ kubeconfig: env.kubeconfig });
let namespace: string;
let dir: string;

beforeAll(async () => {
  namespace = (await seedCluster(env, "snp")).namespaces.shop;
  dir = mkdtempSync(join(tmpdir(), "kubedump-snapshot-test-"));
});
afterAll(() => {
  client.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setup(name: string) {
  const scratchDir = join(dir, `${name}-scratch`);
  mkdirSync(scratchDir);
  const repository = await openRepository({
    format: 1,
    store: createLocalObjectStore({ root: join(dir, `${name}-repo`) }),
  });
  const input = { options: { scope: { type: "namespace" as const, namespace } }, source: { kind: "cli" as const } };
  return { scratchDir, repository, input };
}

describe("takeSnapshot", () => {
  it("commits the snapshot and leaves nothing in the scratch directory", async () => {
    const { scratchDir, repository, input } = await setup("ok");
    const { manifest } = await takeSnapshot({ client, repository, scratchDir }, input);

    expect(manifest.objects).toBeGreaterThan(5);
    expect((await repository.listSnapshots()).map((s) => s.id)).toEqual([manifest.id]);
    expect(readdirSync(scratchDir)).toEqual([]);
  });

  it("also removes what else turned up in its scratch directory", async () => {
    const { scratchDir, repository, input } = await setup("stray");
    const onProgress = () => {
      for (const d of readdirSync(scratchDir)) writeFileSync(join(scratchDir, d, "stray.txt"), "not the writers'");
    };
    await takeSnapshot({ client, repository, scratchDir, onProgress }, input);

    expect(readdirSync(scratchDir)).toEqual([]);
  });

  it("leaves nothing in the scratch directory when the commit fails", async () => {
    const { scratchDir, repository, input } = await setup("exists");
    const { manifest } = await takeSnapshot({ client, repository, scratchDir }, input);

    await expect(
      takeSnapshot({ client, repository, scratchDir }, { ...input, id: manifest.id }),
    ).rejects.toBeInstanceOf(SnapshotExistsError);
    expect(readdirSync(scratchDir)).toEqual([]);
  });

  it("leaves nothing in the scratch directory when the dump is aborted", async () => {
    const { scratchDir, repository, input } = await setup("aborted");
    const signal = AbortSignal.abort(new Error("shutting down"));

    await expect(takeSnapshot({ client, repository, scratchDir, signal }, input)).rejects.toThrow("shutting down");
    expect(readdirSync(scratchDir)).toEqual([]);
    expect(await repository.listSnapshots()).toEqual([]);
  });

  it("removes leftovers older than an hour while it dumps, and reports them", async () => {
    const { scratchDir, repository, input } = await setup("sweep");
    const root = join(dir, "sweep-repo", "snapshots");
    const [old, young] = ["20200101T000000Z-0000dead", "20200102T000000Z-0000beef"];
    for (const id of [old, young]) {
      mkdirSync(join(root, id, "parts"), { recursive: true });
      writeFileSync(join(root, id, "parts", "00000.tar.gz"), "left by a backup that died");
    }
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(root, old, "parts", "00000.tar.gz"), twoHoursAgo, twoHoursAgo);

    const { manifest, swept } = await takeSnapshot({ client, repository, scratchDir }, input);

    expect(swept).toEqual([old]);
    expect(readdirSync(root).sort()).toEqual([young, manifest.id].sort());
  });
});
