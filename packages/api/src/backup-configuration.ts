import { z } from "zod";
import { ConditionsSchema, ObjectMetaSchema, ObservedGenerationSchema, TimeSchema } from "./common.js";
import { API_VERSION, BackupConfigurationPhaseSchema } from "./constants.js";
import { CRON_MACROS } from "./cron.js";
import { asListMap, crdExtensions, withRule } from "./crd-extensions.js";
import { DurationSchema } from "./duration.js";
import { RetentionPolicySchema } from "./retention-policy.js";
import { CronScheduleSchema, DEFAULT_TIME_ZONE, TimeZoneSchema } from "./schedule.js";
import { checkTaskParams, TASK_PARAMS, type TaskParamName } from "./task-params.js";
import { validateWith, type Validation } from "./validation.js";

export const DEFAULT_TASK_NAME = "kubedump-backup";

/**
 * How a BackupConfiguration captures: Scheduled takes snapshots on its schedule; Continuous also
 * has the recorder journal every change of its scope between them (the snapshots stay the anchors).
 */
export const BackupModeSchema = z.enum(["Scheduled", "Continuous"]);
export type BackupMode = z.infer<typeof BackupModeSchema>;
/** @defaultValue "Scheduled" */
export const DEFAULT_BACKUP_MODE: BackupMode = "Scheduled";

/** Why the journal may miss versions (docs/continuous-capture.md): a watch's 410 Gone, a recorder restart, a takeover. */
export const JournalGapReasonSchema = z.enum(["410", "restart", "takeover"]);
/**
 * Finished BackupSessions kept per configuration when `spec.backupHistoryLimit` is omitted; the
 * watcher deletes older ones whenever a session finishes.
 * @defaultValue 3
 */
export const DEFAULT_BACKUP_HISTORY_LIMIT = 3;
/**
 * Retries of a failed backup when `spec.retryConfig` is omitted: none, so a failed backup is
 * Failed at once (a BackupSession then has one attempt).
 * @defaultValue 0
 */
export const DEFAULT_MAX_RETRY = 0;
/**
 * Delay before the first retry when `spec.retryConfig.delay` is omitted; doubled each time.
 * @defaultValue "1m"
 */
export const DEFAULT_RETRY_DELAY = "1m";

const PARAM_NAMES = Object.keys(TASK_PARAMS) as TaskParamName[];
const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");

const TaskParamSchema = z
  .object({
    name: z.string().min(1).max(64).describe("Name of the param; one of the names listed under params."),
    value: z.string().max(4096).describe("Value of the param, always a string (quote true and false in YAML)."),
  })
  .describe("One param of the task.")
  // zod checks names and values through checkTaskParams; these tell the API server the same.
  .register(crdExtensions, {
    validations: [
      {
        rule: `self.name in [${quoted(PARAM_NAMES)}]`,
        message: `unknown param (known: ${PARAM_NAMES.join(", ")})`,
        fieldPath: ".name",
      },
      ...PARAM_NAMES.flatMap((name) => {
        const values = TASK_PARAMS[name].values;
        if (!values) return [];
        return [
          {
            rule: `self.name != '${name}' || self.value in [${quoted(values)}]`,
            message: `${name} must be one of: ${values.join(", ")}`,
            fieldPath: ".value",
          },
        ];
      }),
    ],
  });

const paramsDescription =
  "Params of the task, each {name, value}. Known params: " +
  PARAM_NAMES.map((name) => `${name}: ${TASK_PARAMS[name].description}`).join("; ") +
  ".";

export const TaskSchema = z
  .object({
    name: z
      .enum([DEFAULT_TASK_NAME])
      .default(DEFAULT_TASK_NAME)
      .describe(`The task to run; only ${DEFAULT_TASK_NAME} exists.`),
    params: asListMap(z.array(TaskParamSchema).max(64), ["name"])
      .superRefine((params, ctx) => {
        for (const issue of checkTaskParams(params).issues) {
          ctx.addIssue({ code: "custom", message: issue.message, path: [issue.index, issue.field] });
        }
      })
      .optional()
      .describe(paramsDescription),
  })
  .describe("What the backup does and how; see params.");

export const TargetRefSchema = withRule(
  z
    .object({
      apiVersion: z.string().min(1).describe("API version of the target, e.g. v1 or apps/v1."),
      kind: z.string().min(1).describe("Kind of the target, e.g. Namespace or Deployment."),
      name: z.string().min(1).describe("Name of the target."),
      namespace: z
        .string()
        .optional()
        .describe("Namespace of a namespaced target; omitted: the BackupConfiguration's namespace."),
    })
    .describe("The object to back up: a Namespace (that namespace) or any other object (an application)."),
  {
    holds: (ref) => !(ref.apiVersion === "v1" && ref.kind === "Namespace" && ref.namespace !== undefined),
    cel: "!(self.apiVersion == 'v1' && self.kind == 'Namespace' && has(self.__namespace__))",
    message: "must not be set for a Namespace target",
    field: "namespace",
  },
);

export const BackupConfigurationSpecSchema = z
  .object({
    repository: z
      .object({ name: z.string().min(1).describe("Name of the Repository.") })
      .describe("The Repository, in the same namespace, that receives the snapshots."),
    schedule: CronScheduleSchema.describe(
      `When to back up: a cron expression such as "0 2 * * *", or one of ${CRON_MACROS.join(", ")}.`,
    ),
    timeZone: TimeZoneSchema.describe(
      `IANA time zone of the schedule, e.g. Europe/Berlin; default ${DEFAULT_TIME_ZONE}.`,
    ),
    paused: z.boolean().default(false).describe("Stop scheduling backups while true; running backups finish."),
    mode: BackupModeSchema.default(DEFAULT_BACKUP_MODE).describe(
      "Scheduled (the default): snapshots on the schedule only. Continuous: the recorder also journals every " +
        "change of this scope and filters between the scheduled snapshots, which stay the anchors; the " +
        "Repository must be format 2.",
    ),
    target: z.object({ ref: TargetRefSchema }).optional().describe("What to back up; omitted: the whole cluster."),
    task: TaskSchema.optional(),
    retentionPolicy: RetentionPolicySchema.optional(),
    backupHistoryLimit: z
      .int()
      .min(0)
      .default(DEFAULT_BACKUP_HISTORY_LIMIT)
      .describe(`How many finished BackupSessions to keep; default ${DEFAULT_BACKUP_HISTORY_LIMIT}.`),
    timeOut: DurationSchema.optional().describe(
      "Fail a backup that runs longer than this Go-style duration, e.g. 30m or 1h30m.",
    ),
    retryConfig: z
      .object({
        maxRetry: z.int().min(0).max(100).describe("How many times to retry a failed backup."),
        delay: DurationSchema.default(DEFAULT_RETRY_DELAY).describe(
          `Delay before the first retry (doubled each time), e.g. 1m; default ${DEFAULT_RETRY_DELAY}.`,
        ),
      })
      .optional()
      .describe(`Retries of a failed backup; omitted: maxRetry ${DEFAULT_MAX_RETRY}, i.e. no retries.`),
  })
  .describe("What to back up, when, and where to.");

export const BackupConfigurationStatusSchema = z
  .object({
    observedGeneration: ObservedGenerationSchema.optional(),
    phase: BackupConfigurationPhaseSchema.optional().describe(
      "Ready when scheduled; NotReady while its Repository is missing or not ready; Invalid when the spec is wrong.",
    ),
    conditions: ConditionsSchema.optional().describe("Details of the current state."),
    lastScheduleTime: TimeSchema.optional().describe("When the last BackupSession was created by the schedule."),
    nextScheduleTime: TimeSchema.optional().describe("When the next BackupSession will be created."),
    recording: z
      .object({
        since: TimeSchema.optional().describe("When the recorder that writes the journal now started recording."),
        lastGap: z
          .object({
            from: TimeSchema.describe("The last moment the journal was sure of before the gap."),
            to: TimeSchema.describe("When the relist that closed the gap ran."),
            reason: JournalGapReasonSchema.describe("410 (a watch expired), restart or takeover."),
          })
          .optional()
          .describe("The latest window whose intermediate versions the journal could not see, only outcomes."),
      })
      .optional()
      .describe("Continuous mode: the recorder's journal of this configuration."),
  })
  .describe("Observed state of the BackupConfiguration, written by kubedump.");

export const BackupConfigurationSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal("BackupConfiguration"),
    metadata: ObjectMetaSchema,
    spec: BackupConfigurationSpecSchema,
    status: BackupConfigurationStatusSchema.optional(),
  })
  .describe("A BackupConfiguration backs up a cluster, a namespace or an application on a schedule.");

export type Task = z.infer<typeof TaskSchema>;
export type TargetRef = z.infer<typeof TargetRefSchema>;
export type BackupConfigurationSpec = z.infer<typeof BackupConfigurationSpecSchema>;
export type BackupConfigurationStatus = z.infer<typeof BackupConfigurationStatusSchema>;
export type BackupConfiguration = z.infer<typeof BackupConfigurationSchema>;

/** How often and how soon a failed backup of this spec is retried, defaults filled in. */
export function retryPolicyOf(spec: Pick<BackupConfigurationSpec, "retryConfig">): {
  maxRetry: number;
  delay: string;
} {
  return {
    maxRetry: spec.retryConfig?.maxRetry ?? DEFAULT_MAX_RETRY,
    delay: spec.retryConfig?.delay ?? DEFAULT_RETRY_DELAY,
  };
}

/**
 * Validates a whole BackupConfiguration, schedule, time zone and task params included. Every
 * error names its field, e.g. `spec.schedule: hour "25": 25 is out of range 0-23`.
 */
export function validateBackupConfiguration(obj: unknown): Validation<BackupConfiguration> {
  return validateWith(BackupConfigurationSchema, obj);
}
