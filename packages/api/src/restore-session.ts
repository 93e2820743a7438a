import { z } from "zod";
import { ConditionsSchema, ObjectMetaSchema, ObservedGenerationSchema, TimeSchema } from "./common.js";
import { API_VERSION, RestoreSessionPhaseSchema } from "./constants.js";
import { asListMap, withRule } from "./crd-extensions.js";
import { labelSelectorError } from "./label-selector.js";
import { GROUP_KIND_GLOB, NAMESPACE_GLOB, RESOURCE_GLOB } from "./task-params.js";
import { validateWith, type Validation } from "./validation.js";

/** `spec.snapshot` when omitted: the newest snapshot (of spec.backupConfiguration when set). */
export const LATEST_SNAPSHOT = "latest";
/** Failures listed by name in `status.failures`; the rest are counted in `status.failuresTruncated`. */
export const MAX_LISTED_FAILURES = 50;

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SNAPSHOT = /^(latest|[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8})$/;

const globs = (pattern: RegExp, what: string, description: string) =>
  z
    .array(z.string().max(253).regex(pattern, `must be a ${what}`))
    .max(256)
    .optional()
    .describe(description);

/** A label selector; zod checks its syntax (the API server takes any string). */
const selector = z.string().superRefine((value, ctx) => {
  const error = labelSelectorError(value);
  if (error) ctx.addIssue({ code: "custom", message: error });
});

const namespaceName = (description: string) =>
  z.string().min(1).max(63).regex(NAMESPACE, "must be a namespace name (a DNS-1123 label)").describe(description);

export const NamespaceMappingSchema = z
  .object({
    from: namespaceName("Namespace in the snapshot."),
    to: namespaceName("Namespace its objects are restored into."),
  })
  .describe("One namespace mapping: the objects of `from` go into `to`.");

const SpecObjectSchema = z.object({
  repository: z
    .object({ name: z.string().min(1).describe("Name of the Repository.") })
    .describe("The Repository, in the same namespace, that holds the snapshot."),
  snapshot: z
    .string()
    .regex(SNAPSHOT, "must be a snapshot id (e.g. 20261126T020000Z-3f9a1c) or latest")
    .default(LATEST_SNAPSHOT)
    .describe("Id of the snapshot to restore, or latest (the default): the newest one."),
  backupConfiguration: z
    .string()
    .min(1)
    .optional()
    .describe("With snapshot latest: the newest snapshot made by this BackupConfiguration, in the same namespace."),
  includeNamespaces: globs(NAMESPACE_GLOB, "namespace glob", "Restore only these namespaces of the snapshot."),
  excludeNamespaces: globs(NAMESPACE_GLOB, "namespace glob", "Never restore these namespaces of the snapshot."),
  includeResources: globs(
    RESOURCE_GLOB,
    "resource[.group] glob",
    "Restore only these resources, e.g. deployments.apps.",
  ),
  excludeResources: globs(RESOURCE_GLOB, "resource[.group] glob", "Never restore these resources."),
  labelSelector: selector.optional().describe("Restore only objects matching this label selector, e.g. app=web."),
  orLabelSelectors: z
    .array(selector)
    .max(64)
    .optional()
    .describe("Restore objects matching any one of these label selectors (ANDed with labelSelector)."),
  ignoreGroupKinds: globs(
    GROUP_KIND_GLOB,
    "Kind[.group] glob",
    "Kinds never restored, e.g. Secret or Foo.example.com.",
  ),
  namespaceMappings: asListMap(z.array(NamespaceMappingSchema).max(256), ["from"])
    .superRefine((mappings, ctx) => {
      const seen = new Set<string>();
      for (const [i, m] of mappings.entries()) {
        if (seen.has(m.from)) ctx.addIssue({ code: "custom", message: `${m.from} is mapped twice`, path: [i] });
        seen.add(m.from);
      }
    })
    .optional()
    .describe("Old namespace → new one: objects, their Namespace and the references that must follow move."),
  existingResourcePolicy: z
    .enum(["none", "update"])
    .default("none")
    .describe(
      "none (default): an existing object is left as it is; update: it is made equal to the snapshot's by a forced " +
        "server-side apply.",
    ),
  dryRun: z
    .boolean()
    .default(false)
    .describe("Send every write with dryRun=All: checked by the API server, kept nowhere."),
  skipOwned: z
    .boolean()
    .default(false)
    .describe("Leave objects whose controller owner is restored for that controller to recreate."),
  restoreStatus: globs(
    RESOURCE_GLOB,
    "resource[.group]",
    "Also write the status of these types, e.g. foos.example.com.",
  ),
});

export const RestoreSessionSpecSchema = withRule(SpecObjectSchema.describe("What to restore, from where, and how."), {
  holds: (spec) => spec.backupConfiguration === undefined || spec.snapshot === LATEST_SNAPSHOT,
  cel: "!has(self.backupConfiguration) || !has(self.snapshot) || self.snapshot == 'latest'",
  message: "backupConfiguration needs snapshot latest (it picks the newest snapshot of that configuration)",
  field: "backupConfiguration",
});

const count = (outcome: string) => z.int().min(0).optional().describe(`Objects ${outcome}.`);

export const RestoreCountsSchema = z
  .object({
    created: count("created"),
    updated: count("updated (existingResourcePolicy update)"),
    unchanged: count("already equal to the snapshot's"),
    exists: count("left as they were (existingResourcePolicy none)"),
    skipped: count("skipped, each with its reason"),
    failed: count("that failed, each with its reason"),
  })
  .describe("Objects per outcome.");

export const RestoreFailureSchema = z
  .object({
    type: z.string().describe("Resource type, resource[.group]."),
    namespace: z.string().optional().describe("Namespace it was restored into."),
    name: z.string().describe("Name of the object."),
    reason: z.string().describe("Why it failed."),
  })
  .describe("An object that could not be restored.");

const progressCount = (description: string) => z.int().min(0).optional().describe(description);

export const RestoreProgressSchema = z
  .object({
    objects: progressCount("Objects the filters selected from the snapshot."),
    objectsDone: progressCount("Objects with an outcome so far, skipped ones included."),
    pass: z
      .int()
      .min(1)
      .optional()
      .describe("1 for the first pass over the snapshot; more while objects wait for their types to be served."),
    step: z
      .string()
      .optional()
      .describe(
        "What the restore is doing: verifying the snapshot, writing a type (e.g. configmaps, or deployments.apps " +
          "(owned, level 2)), or waiting for CustomResourceDefinitions to be Established. Omitted once finished.",
      ),
    lastUpdateTime: TimeSchema.optional().describe("When this progress was written."),
  })
  .describe(
    "Where a running restore is, written every few seconds and when its stage changes; at the end, the final figures.",
  );

export const RestoreSessionStatusSchema = z
  .object({
    observedGeneration: ObservedGenerationSchema.optional(),
    phase: RestoreSessionPhaseSchema.optional().describe(
      "Pending, Running, Succeeded, PartiallySucceeded (some objects failed; see failures), or Failed (the restore " +
        "could not run: missing or damaged snapshot, unreachable repository).",
    ),
    startTime: TimeSchema.optional().describe("When the restore started running."),
    completionTime: TimeSchema.optional().describe("When the restore finished."),
    snapshot: z.string().optional().describe("Id of the snapshot restored (latest resolved)."),
    progress: RestoreProgressSchema.optional(),
    counts: RestoreCountsSchema.optional(),
    failures: z
      .array(RestoreFailureSchema)
      .max(MAX_LISTED_FAILURES)
      .optional()
      .describe(`The objects that failed, the first ${MAX_LISTED_FAILURES}.`),
    failuresTruncated: z.int().min(0).optional().describe("Failed objects not listed in failures."),
    warnings: z.array(z.string()).optional().describe("Restore-wide remarks, e.g. an ownership cycle broken."),
    conditions: ConditionsSchema.optional().describe("Details of the steps of the restore."),
  })
  .describe("Observed state of the RestoreSession, written by kubedump.");

export const RestoreSessionSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal("RestoreSession"),
    metadata: ObjectMetaSchema,
    spec: RestoreSessionSpecSchema,
    status: RestoreSessionStatusSchema.optional(),
  })
  .describe("A RestoreSession restores one snapshot of a Repository into the cluster, once.");

export type RestoreSessionSpec = z.infer<typeof RestoreSessionSpecSchema>;
export type RestoreSessionStatus = z.infer<typeof RestoreSessionStatusSchema>;
export type RestoreSession = z.infer<typeof RestoreSessionSchema>;
export type RestoreCounts = z.infer<typeof RestoreCountsSchema>;
export type RestoreFailure = z.infer<typeof RestoreFailureSchema>;
export type RestoreSessionProgress = z.infer<typeof RestoreProgressSchema>;

/** Validates a whole RestoreSession; errors name their field, e.g. `spec.snapshot: …`. */
export function validateRestoreSession(obj: unknown): Validation<RestoreSession> {
  return validateWith(RestoreSessionSchema, obj);
}
