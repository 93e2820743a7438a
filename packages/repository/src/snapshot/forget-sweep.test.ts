import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalObjectStore, type LocalObjectStore } from "../stores/local-object-store.js";
import { collect, recordingStore, stageSnapshot, testObjects } from "../test-support.js";
import { openRepository } from "./repository.js";
import type { SnapshotSource } from "./types.js";

let tmp: string;
let local: LocalObjectStore;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "kubedump-forget-test-"));
  local = createLocalObjectStore({ root: join(tmp, "repo") });
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const NIGHTLY: SnapshotSource = {
  kind: "BackupSession",
  namespace: "demo",
  name: "x",
  invoker: "BackupConfiguration/nightly",
};
const HOURLY: SnapshotSource = {
  kind: "BackupSession",
  namespace: "demo",
  name: "y",
  invoker: "BackupConfiguration/hourly",
};

/** Commits a snapshot taken at `time` (UTC, `YYYY-MM-DDTHH`) by `source`. */
async function commit(time: string, source: SnapshotSource = NIGHTLY, suffix = "00000000") {
  const id = `${time.replace(/[-:]/g, "")}0000Z-${suffix}`;
  const input = await stageSnapshot(join(tmp, `scratch-${id}`), id, testObjects(3));
  input.manifest = { ...input.manifest, time: `${time}:00:00.000Z`, source };
  return (await openRepository({ format: 1, store: local })).commitSnapshot(input);
}

const ids = async () => (await (await openRepository({ format: 1, store: local })).listSnapshots()).map((m) => m.id);

describe("forget", () => {
  it("removes what the policy drops: snapshot.json of every one first, then their data", async () => {
    for (const day of ["20", "21", "22", "23"]) await commit(`2026-11-${day}T02`);
    const { store, log } = recordingStore(local);
    const repository = await openRepository({ format: 1, store });

    const result = await repository.forget({ keepLast: 2 });

    expect(result.removed.map((r) => r.id)).toEqual(["20261121T020000Z-00000000", "20261120T020000Z-00000000"]);
    expect(result.kept).toEqual([
      {
        id: "20261123T020000Z-00000000",
        time: "2026-11-23T02:00:00.000Z",
        group: "BackupSession:demo/BackupConfiguration/nightly",
        reasons: ["keepLast"],
      },
      {
        id: "20261122T020000Z-00000000",
        time: "2026-11-22T02:00:00.000Z",
        group: "BackupSession:demo/BackupConfiguration/nightly",
        reasons: ["keepLast"],
      },
    ]);
    expect(log.slice(0, 2)).toEqual([
      "delete snapshots/20261121T020000Z-00000000/snapshot.json",
      "delete snapshots/20261120T020000Z-00000000/snapshot.json",
    ]);
    expect(log).toHaveLength(result.deletedKeys);
    expect(await ids()).toEqual(["20261122T020000Z-00000000", "20261123T020000Z-00000000"]);
    expect(await collect(local.list("snapshots/20261120T020000Z-00000000/"))).toEqual([]);
  });

  it("on a dry run reports what would go and removes nothing", async () => {
    for (const day of ["20", "21", "22"]) await commit(`2026-11-${day}T02`);
    const result = await (await openRepository({ format: 1, store: local })).forget({ keepLast: 1, dryRun: true });
    expect(result).toMatchObject({ dryRun: true, deletedKeys: 0, deletedBytes: 0 });
    expect(result.removed.map((r) => r.id)).toHaveLength(2);
    expect(await ids()).toHaveLength(3);
  });

  it("without prune removes only snapshot.json, leaving the data for a later sweep", async () => {
    await commit("2026-11-20T02");
    await commit("2026-11-21T02");
    const repository = await openRepository({ format: 1, store: local });
    const result = await repository.forget({ keepLast: 1, prune: false });
    expect(result.deletedKeys).toBe(1);
    expect(await ids()).toEqual(["20261121T020000Z-00000000"]);
    expect((await repository.listUnfinished()).map((u) => u.id)).toEqual(["20261120T020000Z-00000000"]);
  });

  it("applies the policy to each BackupConfiguration's snapshots on their own, or to one only", async () => {
    for (const day of ["20", "21", "22"]) {
      await commit(`2026-11-${day}T02`, NIGHTLY, "0000000a");
      await commit(`2026-11-${day}T03`, HOURLY, "0000000b");
    }
    const repository = await openRepository({ format: 1, store: local });
    const dry = await repository.forget({ keepLast: 1, dryRun: true });
    expect(dry.kept.map((k) => k.id).sort()).toEqual(["20261122T020000Z-0000000a", "20261122T030000Z-0000000b"]);

    const one = await repository.forget(
      { keepLast: 1 },
      { source: { namespace: "demo", invoker: "BackupConfiguration/hourly" } },
    );
    expect(one.removed.map((r) => r.id)).toEqual(["20261121T030000Z-0000000b", "20261120T030000Z-0000000b"]);
    expect((await ids()).filter((id) => id.endsWith("a"))).toHaveLength(3);
  });
});

describe("sweepUnfinished", () => {
  it("removes unfinished snapshots older than an hour and keeps younger ones and committed ones", async () => {
    await commit("2026-11-20T02");
    await local.put("snapshots/20261121T020000Z-00000000/parts/00000.tar.gz", Buffer.from("dead upload"));
    await local.put("snapshots/20261122T020000Z-00000000/parts/00000.tar.gz", Buffer.from("in flight"));
    const now = new Date();
    const twoHoursAgo = new Date(now.getTime() - 2 * 3600_000);
    await utimes(join(tmp, "repo/snapshots/20261121T020000Z-00000000/parts/00000.tar.gz"), twoHoursAgo, twoHoursAgo);
    const repository = await openRepository({ format: 1, store: local });

    expect(await repository.sweepUnfinished({ now, dryRun: true })).toMatchObject({ dryRun: true, deletedKeys: 0 });
    const result = await repository.sweepUnfinished({ now });

    expect(result.removed.map((u) => u.id)).toEqual(["20261121T020000Z-00000000"]);
    expect(result.skipped.map((u) => u.id)).toEqual(["20261122T020000Z-00000000"]);
    expect(result).toMatchObject({ deletedKeys: 1, deletedBytes: 11, incompleteUploads: 0 });
    expect((await repository.listUnfinished()).map((u) => u.id)).toEqual(["20261122T020000Z-00000000"]);
    expect(await ids()).toEqual(["20261120T020000Z-00000000"]);
  });
});
