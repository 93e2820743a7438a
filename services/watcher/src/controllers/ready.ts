import { ConditionType, setReadyCondition } from "@kubedump/api";
import type { KubeObject } from "@kubedump/kube";
import { generationChanged } from "../controller.js";
import { statusOf } from "../status-writer.js";

/**
 * For kinds with a Ready summary: a new generation, or a condition written by someone else (the
 * scheduler's Scheduled) that the summary does not reflect yet. Our own writes leave Ready current,
 * so they do not feed back into themselves.
 */
export function readyIsStale(old: KubeObject, obj: KubeObject): boolean {
  if (generationChanged(old, obj)) return true;
  const conditions = statusOf(obj).conditions;
  if (!conditions?.length) return false;
  const summary = (list: typeof conditions) => {
    const ready = list.find((c) => c.type === ConditionType.Ready);
    return ready && [ready.status, ready.reason, ready.message].join("\n");
  };
  return summary(conditions) !== summary(setReadyCondition(conditions));
}
