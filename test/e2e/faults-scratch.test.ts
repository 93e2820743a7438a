import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmdirSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { configOfSet, makeConfigMaps } from "./fault-bench.js";
import { bucketKeys, scratchDirs } from "./fault-observe.js";
import { type Stack, startStack } from "./harness.js";
import { conditionOf, testNamespace } from "./test-namespace.js";

// Issue 17, fault 5: the scratch directory full. SCRATCH_DIR is a 1 MiB tmpfs; a backup that
// spools 1.4 MB into it fails with a reason naming the directory, commits nothing, and leaves the
// tmpfs empty, so the next, smaller backup on the same worker succeeds.

const e2e = testNamespace(inject("testenv"), "e2e-fscratch");
let stack: Stack;
let scratch: string;
let mounted = false;

const usedBytes = (dir: string) => {
  const s = statfsSync(dir);
  return (s.blocks - s.bfree) * s.bsize;
};

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "kubedump-scratch-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", scratch]);
  mounted = true;
  await e2e.setup({ format: 1 }); // format 1 spools its parts to the scratch directory; format 2 writes none
  await makeConfigMaps(e2e, "large", 2, 700_000, "x");
  await makeConfigMaps(e2e, "small", 2, 1000, "s");
  const stored = { params: [{ name: "gzipLevel", value: "0" }] }; // spooled as large as it is
  await configOfSet(e2e, "large", "large", stored);
  await configOfSet(e2e, "small", "small", stored);
  stack = await startStack(e2e, { extraEnv: { SCRATCH_DIR: scratch } });
});
afterAll(async () => {
  await stack?.stop();
  if (mounted) execFileSync("umount", [scratch]);
  if (scratch) rmdirSync(scratch);
});

describe("the scratch directory full", () => {
  it("fails the session with a reason naming the directory, commits nothing and cleans the scratch up", {
    timeout: 180_000,
  }, async () => {
    await e2e.createSession("large-1", "large");
    const failed = await e2e.waitForSession("large-1");
    expect(failed.status.phase).toBe("Failed");
    const condition = conditionOf(failed, "SnapshotCommitted");
    expect(condition).toMatchObject({ status: "False", reason: "BackupFailed" });
    expect(condition?.message).toMatch(new RegExp(`^the scratch directory ${scratch}/dump-worker-[^ ]+ is full`));
    const events = await e2e.eventsOf("large-1");
    expect(events.map((e) => e.message)).toContain(condition?.message);

    expect((await (await e2e.repository()).listSnapshots()).map((m) => m.source.name)).not.toContain("large-1");
    expect((await bucketKeys(e2e.t, e2e.prefix)).filter((k) => k.startsWith("snapshots/"))).toEqual([]);
    expect(scratchDirs(scratch)).toEqual([]);
    expect(readdirSync(scratch)).toHaveLength(1); // the worker's own, empty, directory
    expect(usedBytes(scratch)).toBeLessThan(64 * 1024);

    await e2e.createSession("small-1", "small");
    const next = await e2e.waitForSession("small-1");
    expect(next.status.phase).toBe("Succeeded");
    expect(next.status.snapshot.objects).toBe(2);
  });
});
