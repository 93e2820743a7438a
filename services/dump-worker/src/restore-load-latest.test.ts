// RestoreSession's `latest`: the newest snapshot by time, not by id (ids order by the second only).
// An in-memory double of our own Repository interface: only scanSnapshots is asked.
import { LATEST_SNAPSHOT, type RestoreSessionSpec } from "@kubedump/api";
import type { Repository } from "@kubedump/repository";
import type { SnapshotManifest } from "@kubedump/repository/snapshot";
import { describe, expect, it } from "vitest";
import { resolveSnapshot } from "./restore-load.js";

function manifest(id: string, time: string, invoker?: string): SnapshotManifest {
  return { id, time, source: { kind: "BackupSession", namespace: "ns", invoker } } as SnapshotManifest;
}

function repositoryOf(snapshots: SnapshotManifest[]): Repository {
  return { scanSnapshots: async () => ({ snapshots, unreadable: [] }) } as unknown as Repository;
}

const ref = { kind: "RestoreSession", namespace: "ns", name: "r" } as const;
const spec = (backupConfiguration?: string) =>
  ({ snapshot: LATEST_SNAPSHOT, backupConfiguration, repository: { name: "repo" } }) as RestoreSessionSpec;

describe("resolveSnapshot of a RestoreSession, latest", () => {
  // One second: the random suffixes sort opposite to the times.
  const snapshots = [
    manifest("20261126T020000Z-ffffffff", "2026-11-26T02:00:00.100Z", "BackupConfiguration/a"),
    manifest("20261126T020000Z-00000000", "2026-11-26T02:00:00.900Z", "BackupConfiguration/a"),
    manifest("20261126T020000Z-88888888", "2026-11-26T02:00:00.500Z", "BackupConfiguration/b"),
  ];

  it("is the snapshot taken last, whatever its id", async () => {
    expect(await resolveSnapshot(repositoryOf(snapshots), spec(), ref)).toBe("20261126T020000Z-00000000");
  });

  it("is the newest of spec.backupConfiguration's snapshots when it names one", async () => {
    expect(await resolveSnapshot(repositoryOf(snapshots), spec("b"), ref)).toBe("20261126T020000Z-88888888");
  });

  it("fails naming the field and the configuration when it has none", async () => {
    await expect(resolveSnapshot(repositoryOf(snapshots), spec("c"), ref)).rejects.toThrow(
      "spec.snapshot of RestoreSession ns/r: latest: no snapshot made by BackupConfiguration ns/c in Repository ns/repo",
    );
  });
});
