import {
  API_VERSION,
  type Condition,
  crPath,
  formatDuration,
  type KubedumpKind,
  type ObjectMeta,
  setCondition,
} from "@kubedump/api";
import { type KubeClient, patchStatus, recordEvent } from "@kubedump/kube";
import type { Logger } from "@kubedump/service";

const COMPONENT = "kubedump-dump-worker";

/** The object a job is about: a BackupSession or a RestoreSession. */
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

/** An Event on a session, as `kubectl describe` shows it; a failure to write it is only logged. */
export async function recordSessionEvent(
  deps: { client: KubeClient; now?: () => Date },
  session: { kind: KubedumpKind; metadata: ObjectMeta },
  e: { type: "Normal" | "Warning"; reason: string; message: string },
  log: Logger,
): Promise<void> {
  const { name = "", namespace, uid, resourceVersion } = session.metadata;
  const obj = { apiVersion: API_VERSION, kind: session.kind, metadata: { name, namespace, uid, resourceVersion } };
  const now = (deps.now ?? (() => new Date()))();
  await recordEvent(deps.client, obj, { ...e, component: COMPONENT }, now).catch((err: unknown) =>
    log.warn({ err: (err as Error).message }, `recording an Event on the ${session.kind} failed`),
  );
}
