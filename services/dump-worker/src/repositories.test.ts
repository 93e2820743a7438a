import { mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateRepository } from "@kubedump/api";
import type { KubeClient } from "@kubedump/kube";
import { openRepository } from "@kubedump/repository";
import { createLocalObjectStore } from "@kubedump/repository/local";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stageSnapshot, testObjects } from "../../../packages/repository/src/test-support.js";
import { repositoryOpener, type ValidRepository } from "./repositories.js";

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-opener-"));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const repositoryObject = (name: string, path: string): ValidRepository => {
  const v = validateRepository({
    apiVersion: "kubedump.io/v1alpha1",
    kind: "Repository",
    metadata: { name, namespace: "ns" },
    spec: { backend: { local: { path } } },
  });
  if (!v.ok) throw new Error("invalid test Repository");
  return v as ValidRepository;
};

describe("repositoryOpener", () => {
  it("gives the repositories it opens for one Repository the snapshot.json files read before, not another's", async () => {
    const path = join(tmp, "repo");
    const store = createLocalObjectStore({ root: path });
    const id = "20261126T020000Z-0a1b2c3d";
    await (await openRepository({ store, format: 1 })).commitSnapshot(
      await stageSnapshot(join(tmp, "s"), id, testObjects(2)),
    );
    const open = repositoryOpener({} as KubeClient); // no storageSecretName: the client is not used
    expect((await (await open(repositoryObject("a", path), "ns")).listSnapshots()).map((m) => m.id)).toEqual([id]);

    // The same bytes' length and time, other content: only a cache can still give the snapshot.
    const file = join(path, "snapshots", id, "snapshot.json");
    const { mtime } = await stat(file);
    const size = (await readFile(file)).length;
    await writeFile(file, "x".repeat(size));
    await utimes(file, mtime, mtime);

    expect((await (await open(repositoryObject("a", path), "ns")).listSnapshots()).map((m) => m.id)).toEqual([id]);
    const other = await (await open(repositoryObject("b", path), "ns")).scanSnapshots();
    expect(other.unreadable.map((u) => u.id)).toEqual([id]);
  });
});
