import { z } from "zod";
import { ConditionReason, ConditionType } from "./constants.js";
import { asListMap } from "./crd-extensions.js";

/** The metadata fields kubedump reads; the rest passes through untouched. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().optional(),
  creationTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

/** An RFC 3339 timestamp, as Kubernetes writes `metav1.Time`: `2026-11-26T02:00:00Z`. */
export const TimeSchema = z.iso.datetime({ offset: true });

const CONDITION_TYPE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** `status.observedGeneration`: which spec the status describes; older than metadata.generation means not yet looked at. */
export const ObservedGenerationSchema = z
  .int()
  .min(0)
  .describe("The .metadata.generation this status was written for; lower than it while a change is pending.");

/** A Kubernetes `metav1.Condition`. */
export const ConditionSchema = z
  .object({
    type: z
      .string()
      .min(1)
      .max(316)
      .regex(CONDITION_TYPE)
      .describe("Type of the condition in CamelCase, e.g. SnapshotCommitted."),
    status: z.enum(["True", "False", "Unknown"]).describe("Status of the condition: True, False or Unknown."),
    observedGeneration: z.int().min(0).optional().describe("The .metadata.generation the condition was set for."),
    lastTransitionTime: TimeSchema.describe("When the condition last changed from one status to another."),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(CONDITION_REASON)
      .describe("Why the condition is in this status, as a CamelCase identifier."),
    message: z.string().max(32768).describe("A human-readable message with details about the transition."),
  })
  .describe("One aspect of the object's current state.");
export type Condition = z.infer<typeof ConditionSchema>;

/** The `status.conditions` list: one entry per condition type. */
export const ConditionsSchema = asListMap(z.array(ConditionSchema), ["type"]);

/**
 * Returns `conditions` with `next` set: added, or replacing the entry of the same type. The
 * lastTransitionTime moves to `now` only when the status changes, as meta.SetStatusCondition does.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, "lastTransitionTime">,
  now: Date = new Date(),
): Condition[] {
  const list = conditions ?? [];
  const previous = list.find((c) => c.type === next.type);
  const lastTransitionTime =
    previous && previous.status === next.status
      ? previous.lastTransitionTime
      : now.toISOString().replace(/\.\d{3}Z$/, "Z");
  const updated: Condition = { ...next, lastTransitionTime };
  return previous ? list.map((c) => (c === previous ? updated : c)) : [...list, updated];
}

/**
 * Returns `conditions` with the summary `Ready` set from every other condition: True when all of
 * them are True; else False with the reason and message of the first False one (in list order), or
 * Unknown with those of the first Unknown one; Unknown while there is no other condition.
 */
export function setReadyCondition(
  conditions: readonly Condition[] | undefined,
  now: Date = new Date(),
  observedGeneration?: number,
): Condition[] {
  const others = (conditions ?? []).filter((c) => c.type !== ConditionType.Ready);
  const failing = others.find((c) => c.status === "False") ?? others.find((c) => c.status === "Unknown");
  const summary: Omit<Condition, "lastTransitionTime"> = failing
    ? { type: ConditionType.Ready, status: failing.status, reason: failing.reason, message: failing.message }
    : others.length
      ? {
          type: ConditionType.Ready,
          status: "True",
          reason: ConditionReason.AllConditionsTrue,
          message: `${others.map((c) => c.type).join(", ")}: True`,
        }
      : {
          type: ConditionType.Ready,
          status: "Unknown",
          reason: ConditionReason.NoConditions,
          message: "no condition has been checked yet",
        };
  if (observedGeneration !== undefined) summary.observedGeneration = observedGeneration;
  return setCondition(conditions, summary, now);
}
