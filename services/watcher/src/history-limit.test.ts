import type { KubeObject } from "@kubedump/kube";
import { describe, expect, it } from "vitest";
import { sessionsOverLimit } from "./history-limit.js";

const session = (name: string, phase: string | undefined, creationTimestamp: string): KubeObject => ({
  apiVersion: "kubedump.io/v1alpha1",
  kind: "BackupSession",
  metadata: { name, namespace: "ns", creationTimestamp },
  ...(phase ? { status: { phase } } : {}),
});

// Listed out of order on purpose; "d" and "e" were created in the same second.
const SESSIONS = [
  session("c", "Failed", "2026-11-26T03:00:00Z"),
  session("a", "Succeeded", "2026-11-26T01:00:00Z"),
  session("new", undefined, "2026-11-26T00:00:00Z"),
  session("b", "Running", "2026-11-26T00:30:00Z"),
  session("e", "Skipped", "2026-11-26T04:00:00Z"),
  session("p", "Pending", "2026-11-25T00:00:00Z"),
  session("d", "PartiallySucceeded", "2026-11-26T04:00:00Z"),
];

describe("sessionsOverLimit", () => {
  it.each([
    [0, ["a", "c", "d", "e"]],
    [1, ["a", "c", "d"]],
    [2, ["a", "c"]],
    [4, []],
    [10, []],
  ])(
    "limit %i: the finished sessions beyond it, oldest first, never a Pending, Running or new one",
    (limit, doomed) => {
      expect(sessionsOverLimit(SESSIONS, limit).map((s) => s.metadata.name)).toEqual(doomed);
    },
  );
});
