// A prune SIGKILLed at several points (test-support/prune-child.mjs, running the built library):
// afterwards verify passes, the kept snapshots read back byte-identical, and the next prune finishes the job.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import type { ObjectStore } from "../stores/object-store.js";
import { createS3ObjectStore, type S3ObjectStoreOptions } from "../stores/s3-object-store.js";
import { collect, s3TestOptions } from "../test-support.js";
import { blobId } from "./keys.js";
import { pruneRepository } from "./prune.js";
import type { SnapshotInputObject } from "./snapshot-writer.js";
import { inputHashes, readBackHashes, storedDataBlobs, testStores, writeForgottenMiddle } from "./test-support.js";
import { verifyRepository } from "./verify.js";

const env = inject("testenv");
const CHILD = fileURLToPath(new URL("./test-support/prune-child.mjs", import.meta.url));
const { localStore, localRoot } = testStores(env, "kubedump-f2-prune-kill", "kill");

/** Runs the child prune and SIGKILLs it once it has printed `afterSteps` steps; resolves with what it printed. */
async function killedPrune(where: object, afterSteps: number): Promise<{ steps: string[]; signal: string | null }> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, JSON.stringify(where)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<string | null>((resolve) => child.on("exit", (_, signal) => resolve(signal)));
  const steps: string[] = [];
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    if (line === "started") continue;
    steps.push(line);
    if (steps.length === afterSteps) child.kill("SIGKILL");
  }
  return { steps, signal: await exited };
}

async function expectSound(store: ObjectStore, kept: Map<string, SnapshotInputObject[]>) {
  const report = await verifyRepository({ store, keys: null });
  expect(report.problems).toEqual([]);
  expect(report.snapshots).toBe(2);
  for (const [id, input] of kept) expect(await readBackHashes(store, null, id)).toEqual(inputHashes(input));
}

const LOCAL: [string, number][] = [
  ["after the repack", 1],
  ["after the merged index file", 2],
  ["while deleting old index files", 3],
  ["while deleting packs", 6],
  ["late while deleting packs", 9],
];

describe("a prune SIGKILLed mid-way", () => {
  it.each([
    ...LOCAL.map(([when, steps]) => [`on a local directory, ${when}`, steps, "local"] as const),
    ["on MinIO, while deleting packs", 6, "s3"] as const,
  ])("%s leaves a repository that verifies and reads back", async (_, afterSteps, kind) => {
    const s3: S3ObjectStoreOptions = s3TestOptions(env, "kubedump-f2-prune-kill", "kill");
    const name = randomBytes(4).toString("hex");
    const store = kind === "s3" ? createS3ObjectStore(s3) : localStore(name);
    const kept = await writeForgottenMiddle(store, null);
    const { steps, signal } = await killedPrune(kind === "s3" ? { s3 } : { local: localRoot(name) }, afterSteps);
    expect(signal).toBe("SIGKILL");
    expect(steps.some((s) => s.startsWith("done"))).toBe(false);
    expect(steps.length).toBeGreaterThanOrEqual(afterSteps);

    await sleep(2500); // the dead prune's lock (ttl 1 s) expires
    await expectSound(store, kept);
    const report = await pruneRepository({ store, keys: null, repackThreshold: 0 });
    expect(report.snapshots).toBe(2);
    await expectSound(store, kept);
    const used = new Set([...kept.values()].flat().map((o) => blobId(null, o.data)));
    expect(await storedDataBlobs(store, null)).toEqual(used);
    expect(await collect(store.list("locks/"))).toEqual([]);
  });
});
