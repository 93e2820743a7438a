import { type Condition, ConditionType, crPath, setCondition, setReadyCondition } from "@kubedump/api";
import { isConflict, isNotFound, type KubeClient, type KubeObject } from "@kubedump/kube";
import type { JournalGap } from "@kubedump/repository/journal";

/** What the recorder says of a configuration: its Recording condition, and when known the journal's latest gap. */
export interface RecordingStatus {
  recording: boolean;
  reason: string;
  message: string;
  since?: number;
  lastGap?: JournalGap;
}

const ATTEMPTS = 3;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Writes the Recording condition (and Ready, the summary of every condition) and
 * `status.recording` of BackupConfiguration `namespace/name`: read, change, patch with the
 * resourceVersion as precondition, again on a conflict with another writer (the watcher).
 * Nothing is written when nothing changes; a configuration gone meanwhile is left alone.
 */
export async function writeRecordingStatus(
  client: KubeClient,
  ref: { namespace: string; name: string },
  next: RecordingStatus,
  now = new Date(),
): Promise<void> {
  const path = crPath("BackupConfiguration", ref.namespace, ref.name);
  for (let attempt = 1; ; attempt++) {
    try {
      const obj = await client.get<KubeObject & { status?: Record<string, unknown> }>(path);
      const status = obj.status ?? {};
      const before = status.conditions as Condition[] | undefined;
      const generation = typeof obj.metadata.generation === "number" ? obj.metadata.generation : undefined;
      let conditions = setCondition(
        before,
        {
          type: ConditionType.Recording,
          status: next.recording ? "True" : "False",
          reason: next.reason,
          message: next.message,
          ...(generation === undefined ? {} : { observedGeneration: generation }),
        },
        now,
      );
      conditions = setReadyCondition(conditions, now, generation);
      const prior = (status.recording ?? {}) as Record<string, unknown>;
      const recording = {
        ...prior,
        ...(next.since === undefined ? {} : { since: iso(next.since) }),
        ...(next.lastGap
          ? { lastGap: { ...next.lastGap, from: iso(next.lastGap.from), to: iso(next.lastGap.to) } }
          : {}),
      };
      if (JSON.stringify([before, prior]) === JSON.stringify([conditions, recording])) return;
      await client.patch(
        `${path}/status`,
        { metadata: { resourceVersion: obj.metadata.resourceVersion }, status: { conditions, recording } },
        "merge",
      );
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
    }
  }
}
