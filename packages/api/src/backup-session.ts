import { z } from "zod";
import { ConditionsSchema, ObjectMetaSchema, ObservedGenerationSchema, TimeSchema } from "./common.js";
import { API_VERSION, BackupSessionPhaseSchema, GROUP } from "./constants.js";
import { validateWith, type Validation } from "./validation.js";

export const InvokerSchema = z
  .object({
    apiGroup: z.enum([GROUP]).describe(`API group of the invoker: ${GROUP}.`),
    kind: z.enum(["BackupConfiguration"]).describe("Kind of the invoker: BackupConfiguration."),
    name: z.string().min(1).describe("Name of the BackupConfiguration, in the same namespace."),
  })
  .describe("The BackupConfiguration whose backup this session runs.");

export const BackupSessionSpecSchema = z
  .object({ invoker: InvokerSchema })
  .describe("Which backup to run; create one by hand for an instant backup.");

export const SnapshotSummarySchema = z
  .object({
    id: z.string().min(1).describe("Id of the snapshot, e.g. 20261126T020000Z-3f9a1c."),
    objects: z.int().min(0).describe("Number of objects in the snapshot."),
    totalSize: z.string().describe("Size of the snapshot, human-readable, e.g. 1.2 MiB."),
    uploaded: z.string().describe("Bytes uploaded for the snapshot, human-readable, e.g. 1.2 MiB."),
  })
  .describe("The snapshot this session committed.");

export const BackupSessionStatusSchema = z
  .object({
    observedGeneration: ObservedGenerationSchema.optional(),
    phase: BackupSessionPhaseSchema.optional().describe(
      "Pending, Running, Succeeded, PartiallySucceeded (some resource types could not be backed up; see warnings), " +
        "Failed, or Skipped (another backup of the same configuration was running).",
    ),
    startTime: TimeSchema.optional().describe("When the backup started running."),
    completionTime: TimeSchema.optional().describe("When the backup finished."),
    sessionDuration: z.string().optional().describe("How long the backup ran, e.g. 1m30.5s."),
    snapshot: SnapshotSummarySchema.optional(),
    warnings: z
      .array(z.string())
      .optional()
      .describe("What was left out and why, e.g. an aggregated API group that could not be listed."),
    conditions: ConditionsSchema.optional().describe("Details of the steps of the backup."),
  })
  .describe("Observed state of the BackupSession, written by kubedump.");

export const BackupSessionSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal("BackupSession"),
    metadata: ObjectMetaSchema,
    spec: BackupSessionSpecSchema,
    status: BackupSessionStatusSchema.optional(),
  })
  .describe("A BackupSession is one run of a backup, made by the schedule of a BackupConfiguration or by a user.");

export type Invoker = z.infer<typeof InvokerSchema>;
export type BackupSessionSpec = z.infer<typeof BackupSessionSpecSchema>;
export type SnapshotSummary = z.infer<typeof SnapshotSummarySchema>;
export type BackupSessionStatus = z.infer<typeof BackupSessionStatusSchema>;
export type BackupSession = z.infer<typeof BackupSessionSchema>;

/** Validates a whole BackupSession; errors name their field, e.g. `spec.invoker.kind: …`. */
export function validateBackupSession(obj: unknown): Validation<BackupSession> {
  return validateWith(BackupSessionSchema, obj);
}
