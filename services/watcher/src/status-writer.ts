import {
  type Condition,
  ConditionType,
  crPath,
  type KubedumpKind,
  setCondition,
  setReadyCondition,
} from "@kubedump/api";
import { isNotFound, type KubeClient, type KubeObject, recordEvent } from "@kubedump/kube";
import type { Logger } from "@kubedump/service";
import { generationOf } from "./controller.js";

/** A condition as a controller decides it; the writer adds the transition time and the generation. */
export type ConditionInput = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

export interface StatusUpdate {
  phase: string;
  /** Conditions this controller owns; others already in the status (another writer's) are kept. */
  conditions?: ConditionInput[];
  /** Also set the summary condition Ready from all the others. */
  ready?: boolean;
}

type Status = { phase?: string; observedGeneration?: number; conditions?: Condition[] };

export const statusOf = (obj: KubeObject): Status => (obj.status as Status | undefined) ?? {};

/** JSON with the keys of every object sorted: the API server returns them in its own order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

/** The status as a comparison sees it: transition times left out, so an unchanged status is never rewritten. */
const comparable = (s: Status) =>
  canonical([s.phase, s.observedGeneration, (s.conditions ?? []).map(({ lastTransitionTime: _t, ...c }) => c)]);

/** The status `update` makes of `obj`'s, every part stamped with the generation it was decided for. */
export function nextStatus(obj: KubeObject, update: StatusUpdate, now = new Date()): Status {
  const generation = generationOf(obj);
  const stamp = generation === undefined ? {} : { observedGeneration: generation };
  let conditions = statusOf(obj).conditions;
  for (const c of update.conditions ?? []) conditions = setCondition(conditions, { ...c, ...stamp }, now);
  if (update.ready) conditions = setReadyCondition(conditions, now, generation);
  return { ...stamp, phase: update.phase, ...(conditions ? { conditions } : {}) };
}

export interface WriteStatusDeps {
  client: KubeClient;
  log: Logger;
}

/**
 * Writes `update` into the status of `obj` when it changes anything, through the status
 * subresource with `obj`'s resourceVersion as precondition: a status read from a stale cache, or
 * changed meanwhile by another writer (the scheduler's Scheduled condition), is never overwritten;
 * the 409 is thrown and the reconcile retried with the newer object. A phase change to anything but
 * Ready with a False condition is also a Warning Event. Returns false when nothing was written.
 */
export async function writeStatus(
  deps: WriteStatusDeps,
  kind: KubedumpKind,
  obj: KubeObject,
  update: StatusUpdate,
): Promise<boolean> {
  const prev = statusOf(obj);
  const next = nextStatus(obj, update);
  if (comparable(prev) === comparable(next)) return false;
  const namespace = obj.metadata.namespace ?? "default";
  try {
    await deps.client.patch(
      `${crPath(kind, namespace, obj.metadata.name)}/status`,
      { metadata: { resourceVersion: obj.metadata.resourceVersion }, status: next },
      "merge",
    );
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  const failing = next.conditions?.find((c) => c.status === "False" && c.type !== ConditionType.Ready);
  if (next.phase !== prev.phase && next.phase !== "Ready" && failing) {
    await recordEvent(deps.client, obj, {
      type: "Warning",
      reason: failing.reason,
      message: failing.message,
      component: "kubedump-watcher",
    }).catch((err: unknown) =>
      deps.log.warn({ namespace, name: obj.metadata.name, err: (err as Error).message }, "recording an Event failed"),
    );
  }
  return true;
}
