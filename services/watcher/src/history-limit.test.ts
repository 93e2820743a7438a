import type { KubeObject } from "@kubedump/kube";
import { describe, expect, it } from "vitest";
import { type SessionKind, sessionsOverLimit } from "./history-limit.js";

const session = (
  kind: SessionKind,
  name: string,
  phase: string | undefined,
  creationTimestamp: string,
): KubeObject => ({
  apiVersion: "kubedump.io/v1alpha1",
  kind,
  metadata: { name, namespace: "ns", creationTimestamp },
  ...(phase ? { status: { phase } } : {}),
});

// Listed out of order on purpose; "d" and "e" were created in the same second.
const sessions = (kind: SessionKind) =>
  [
    ["c", "Failed", "2026-11-26T03:00:00Z"],
    ["a", "Succeeded", "2026-11-26T01:00:00Z"],
    ["new", undefined, "2026-11-26T00:00:00Z"],
    ["b", "Running", "2026-11-26T00:30:00Z"],
    ["e", "Skipped", "2026-11-26T04:00:00Z"],
    ["p", "Pending", "2026-11-25T00:00:00Z"],
    ["d", "PartiallySucceeded", "2026-11-26T04:00:00Z"],
  ].map(([name, phase, at]) => session(kind, name!, phase, at!));

describe("sessionsOverLimit", () => {
  it.each([
    [0, ["a", "c", "d", "e"]],
    [1, ["a", "c", "d"]],
    [2, ["a", "c"]],
    [4, []],
    [10, []],
  ])(
    "BackupSessions, limit %i: the finished ones beyond it, oldest first, never a Pending, Running or new one",
    (limit, doomed) => {
      expect(sessionsOverLimit("BackupSession", sessions("BackupSession"), limit).map((s) => s.metadata.name)).toEqual(
        doomed,
      );
    },
  );

  // A RestoreSession is never Skipped: such a phase is not one it finishes with, so it is kept.
  it.each([
    [0, ["a", "c", "d"]],
    [1, ["a", "c"]],
    [3, []],
  ])(
    "RestoreSessions, limit %i: Succeeded, PartiallySucceeded and Failed ones beyond it, oldest first",
    (limit, doomed) => {
      expect(
        sessionsOverLimit("RestoreSession", sessions("RestoreSession"), limit).map((s) => s.metadata.name),
      ).toEqual(doomed);
    },
  );
});
