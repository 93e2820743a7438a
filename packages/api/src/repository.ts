import { z } from "zod";
import { ConditionsSchema, ObjectMetaSchema, ObservedGenerationSchema, TimeSchema } from "./common.js";
import { API_VERSION, RepositoryPhaseSchema } from "./constants.js";
import { CRON_MACROS } from "./cron.js";
import { withRule } from "./crd-extensions.js";
import { DURATION_PATTERN, DurationSchema, parseDuration } from "./duration.js";
import { CronScheduleSchema, DEFAULT_TIME_ZONE, TimeZoneSchema } from "./schedule.js";
import { validateWith, type Validation } from "./validation.js";

export const S3BackendSchema = z
  .object({
    endpoint: z
      .string()
      .regex(/^(https?:\/\/)?[^\s/]+\/?$/, { message: "must be host[:port], optionally after http:// or https://" })
      .describe(
        "S3 endpoint as host[:port] (e.g. minio.storage.svc:9000 or s3.amazonaws.com), optionally with " +
          "http:// or https://; https is used unless http:// is given.",
      ),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: "must be a valid S3 bucket name" })
      .describe("Bucket name (3-63 characters: lowercase letters, digits, '.' and '-')."),
    region: z.string().optional().describe("Region of the bucket, e.g. us-east-1; omitted: us-east-1."),
    prefix: z
      .string()
      .optional()
      .describe("Key prefix inside the bucket under which this repository lives, e.g. cluster-a."),
    insecureTLS: z
      .boolean()
      .optional()
      .describe("Skip verification of the endpoint's TLS certificate (for self-signed test setups only)."),
  })
  .describe("An S3-compatible object store (AWS S3, MinIO, …).");

export const LocalBackendSchema = z
  .object({
    path: z
      .string()
      .regex(/^\//, { message: "must be an absolute path" })
      .describe("Absolute path of a directory on a volume mounted into the dump workers."),
  })
  .describe("A directory on a mounted volume.");

export const BackendSchema = withRule(
  z
    .object({ s3: S3BackendSchema.optional(), local: LocalBackendSchema.optional() })
    .describe("Where snapshots are stored: exactly one of s3 or local."),
  {
    holds: (b) => (b.s3 === undefined) !== (b.local === undefined),
    cel: "has(self.s3) != has(self.local)",
    message: "exactly one of s3 or local must be set",
  },
);

export const VerifySpecSchema = z
  .object({
    schedule: CronScheduleSchema.describe(
      `When to verify: a cron expression such as "0 4 * * 0", or one of ${CRON_MACROS.join(", ")}.`,
    ),
    timeZone: TimeZoneSchema.describe(
      `IANA time zone of the schedule, e.g. Europe/Berlin; default ${DEFAULT_TIME_ZONE}.`,
    ),
    readData: z
      .int()
      .min(0)
      .max(100)
      .describe(
        "Percent of the committed snapshots whose data each run reads in full (every object against its index " +
          "record), chosen anew each run; the others are only checked for every stored file being there with the " +
          "size snapshot.json records. 0 reads nothing (a same-size corruption goes unnoticed), 100 reads everything.",
      ),
  })
  .describe(
    "Verify the repository on a schedule; the dump workers write status.integrity and the metric " +
      "kubedump_repository_integrity. Omitted: never verified.",
  );

export const OBJECT_LOCK_MODES = ["GOVERNANCE", "COMPLIANCE"] as const;

export const ObjectLockSchema = z
  .object({
    mode: z
      .enum(OBJECT_LOCK_MODES, { message: `must be one of ${OBJECT_LOCK_MODES.join(", ")}` })
      .describe(
        "S3 Object Lock mode: GOVERNANCE (a user with s3:BypassGovernanceRetention can still delete) or " +
          "COMPLIANCE (no one can delete, not even the root user, until the retention ends).",
      ),
    retention: withRule(
      DurationSchema.describe(
        'How long each object stays locked after it is written, a duration such as "720h" (30 days); at least 1s.',
      ),
      {
        holds: (text) => !DURATION_PATTERN.test(text) || parseDuration(text) >= 1000, // a bad pattern has its own message
        cel: "duration(self) >= duration('1s')",
        message: "must be at least 1s",
      },
    ),
  })
  .describe(
    "Write every object of every backup with S3 Object Lock retention, so that no one (COMPLIANCE) or only " +
      "privileged users (GOVERNANCE) can delete or overwrite it before the retention ends; retention policies " +
      "and prune leave such snapshots whole until then. s3 backends only; the bucket must have Object Lock " +
      "enabled (it can only be enabled when the bucket is created). Omitted: objects are not locked.",
  );

const RepositorySpecFieldsSchema = withRule(
  z
    .object({
      backend: BackendSchema,
      storageSecretName: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Secret in the same namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (s3), and optionally " +
            "CA_CERT_DATA and ENCRYPTION_PASSWORD (RESTIC_PASSWORD is accepted as an alias). Required for s3.",
        ),
      verify: VerifySpecSchema.optional(),
      objectLock: ObjectLockSchema.optional(),
      format: z
        .int()
        .min(1)
        .max(2)
        .optional()
        .describe(
          "Format of a new repository: 2 (content-addressed and incremental: each object's YAML is stored once " +
            "however many snapshots hold it; the default) or 1 (a tar.gz of every object per snapshot). An existing " +
            "repository keeps its own format; `kubedump migrate-repository` converts a format-1 one.",
        ),
    })
    .describe("Where and how snapshots are stored."),
  {
    holds: (spec) => spec.backend.s3 === undefined || spec.storageSecretName !== undefined,
    cel: "!has(self.backend.s3) || has(self.storageSecretName)",
    message: "storageSecretName is required for an s3 backend",
    field: "storageSecretName",
  },
);

export const RepositorySpecSchema = withRule(RepositorySpecFieldsSchema, {
  holds: (spec) => spec.objectLock === undefined || spec.backend.s3 !== undefined,
  cel: "!has(self.objectLock) || has(self.backend.s3)",
  message: "objectLock needs an s3 backend: a local directory cannot lock objects",
  field: "objectLock",
});

export const RepositoryStatusSchema = z
  .object({
    observedGeneration: ObservedGenerationSchema.optional(),
    phase: RepositoryPhaseSchema.optional().describe("Ready when the backend is reachable with the Secret given."),
    conditions: ConditionsSchema.optional().describe("Details of the current state."),
    snapshotCount: z.int().min(0).optional().describe("Number of committed snapshots in the repository."),
    totalSize: z.string().optional().describe("Size of all snapshots, human-readable, e.g. 12.5 MiB."),
    totalSizeBytes: z.int().min(0).optional().describe("Size of all snapshots in bytes."),
    firstBackupTime: TimeSchema.optional().describe("Time of the oldest snapshot kept."),
    lastBackupTime: TimeSchema.optional().describe("Time of the newest snapshot."),
    snapshotsRemovedOnLastCleanup: z
      .int()
      .min(0)
      .optional()
      .describe("Number of snapshots the retention policy removed on its last run."),
    integrity: z
      .boolean()
      .optional()
      .describe(
        "Whether the last verification (spec.verify) found no damage: every stored file of every snapshot " +
          "there with its recorded size, and the snapshots it read in full matching their checksums.",
      ),
    lastVerifyTime: TimeSchema.optional().describe("When the last verification finished."),
    verifySummary: z
      .string()
      .optional()
      .describe("What the last verification checked and, when it failed, each damaged snapshot id and why."),
  })
  .describe("Observed state of the repository, written by kubedump.");

export const RepositorySchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal("Repository"),
    metadata: ObjectMetaSchema,
    spec: RepositorySpecSchema,
    status: RepositoryStatusSchema.optional(),
  })
  .describe("A Repository is a place where kubedump stores snapshots: an S3 bucket prefix or a local directory.");

export type S3Backend = z.infer<typeof S3BackendSchema>;
export type LocalBackend = z.infer<typeof LocalBackendSchema>;
export type Backend = z.infer<typeof BackendSchema>;
export type VerifySpec = z.infer<typeof VerifySpecSchema>;
export type ObjectLock = z.infer<typeof ObjectLockSchema>;
export type RepositorySpec = z.infer<typeof RepositorySpecSchema>;
export type RepositoryStatus = z.infer<typeof RepositoryStatusSchema>;
export type Repository = z.infer<typeof RepositorySchema>;

/** Validates a whole Repository object; errors name their field, e.g. `spec.backend: …`. */
export function validateRepository(obj: unknown): Validation<Repository> {
  return validateWith(RepositorySchema, obj);
}
