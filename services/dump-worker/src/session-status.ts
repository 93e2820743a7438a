import { type Condition, crPath, formatDuration, type KubedumpKind, setCondition } from "@kubedump/api";
import { type KubeClient, patchStatus } from "@kubedump/kube";

/** The object a job is about: a BackupSession (and, next, a RestoreSession). */
export interface SessionRef {
  kind: KubedumpKind;
  namespace: string;
  name: string;
}

export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** Writes a session's status through its status subresource, merging a condition when given. */
export async function writeSessionStatus(
  client: KubeClient,
  ref: SessionRef,
  status: Record<string, unknown>,
  condition?: { previous?: Condition[]; next: Omit<Condition, "lastTransitionTime"> },
): Promise<void> {
  const body = { ...status };
  if (condition) body.conditions = setCondition(condition.previous, condition.next);
  await patchStatus(client, crPath(ref.kind, ref.namespace, ref.name), body);
}

/** completionTime and sessionDuration from a start time. */
export function finishedAt(start: Date, end: Date): { completionTime: string; sessionDuration: string } {
  return {
    completionTime: isoSeconds(end),
    sessionDuration: formatDuration(Math.max(0, end.getTime() - start.getTime())),
  };
}
