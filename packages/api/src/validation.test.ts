import { describe, expect, it } from "vitest";
import { retryPolicyOf, validateBackupConfiguration } from "./backup-configuration.js";
import { validateBackupSession } from "./backup-session.js";
import { validateRepository } from "./repository.js";
import { backupConfigurationFixture, backupSessionFixture, mergePatch, repositoryFixture } from "./test-fixtures.js";

describe("validateBackupConfiguration", () => {
  it("accepts the example of DESIGN.md and fills in nothing it sets", () => {
    const result = validateBackupConfiguration(backupConfigurationFixture());
    expect(result).toEqual({ ok: true, value: backupConfigurationFixture() });
  });

  it("fills in the defaults of a minimal spec", () => {
    const result = validateBackupConfiguration(
      mergePatch(backupConfigurationFixture(), {
        spec: {
          timeZone: null,
          paused: null,
          target: null,
          task: { name: null, params: null },
          backupHistoryLimit: null,
          retryConfig: { delay: null },
          retentionPolicy: { prune: null, dryRun: null },
        },
      }),
    );
    if (!result.ok) throw new Error(result.errors.join("; "));
    expect(result.value.spec).toMatchObject({
      timeZone: "UTC",
      paused: false,
      backupHistoryLimit: 3,
      task: { name: "kubedump-backup" },
      retryConfig: { maxRetry: 2, delay: "1m" },
      retentionPolicy: { prune: true, dryRun: false },
    });
    expect(result.value.spec.target).toBeUndefined();
  });

  it.each([
    ["omitted: no retries, as the field's description says", null, { maxRetry: 0, delay: "1m" }],
    ["without a delay: the default delay", { delay: null }, { maxRetry: 2, delay: "1m" }],
    ["as given", { maxRetry: 5, delay: "30s" }, { maxRetry: 5, delay: "30s" }],
  ])("retryConfig %s", (_name, retryConfig, policy) => {
    const result = validateBackupConfiguration(mergePatch(backupConfigurationFixture(), { spec: { retryConfig } }));
    if (!result.ok) throw new Error(result.errors.join("; "));
    expect(retryPolicyOf(result.value.spec)).toEqual(policy);
  });

  it.each([
    ["a macro schedule", { spec: { schedule: "@daily" } }],
    [
      "an application target",
      { spec: { target: { ref: { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "prod" } } } },
    ],
    ["no target (the whole cluster)", { spec: { target: null } }],
    ["no retention policy", { spec: { retentionPolicy: null } }],
    [
      "only keepDaily",
      {
        spec: {
          retentionPolicy: { keepLast: null, keepHourly: null, keepWeekly: null, keepMonthly: null, keepYearly: null },
        },
      },
    ],
    ["a compound timeOut", { spec: { timeOut: "1h30m" } }],
    ["backupHistoryLimit 0", { spec: { backupHistoryLimit: 0 } }],
  ])("accepts %s", (_name, patch) => {
    const result = validateBackupConfiguration(mergePatch(backupConfigurationFixture(), patch));
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it.each([
    ["a missing schedule", { spec: { schedule: null } }, "spec.schedule: Invalid input: expected string"],
    ["a 4-field schedule", { spec: { schedule: "0 2 * *" } }, "spec.schedule: must be 5 cron fields"],
    ["an out-of-range hour", { spec: { schedule: "0 25 * * *" } }, 'spec.schedule: hour "25": 25 is out of range 0-23'],
    ["an unknown time zone", { spec: { timeZone: "Mars/Olympus" } }, "spec.timeZone: must be an IANA time zone"],
    ["a missing repository", { spec: { repository: null } }, "spec.repository: Invalid input: expected object"],
    ["an empty repository name", { spec: { repository: { name: "" } } }, "spec.repository.name: Too small"],
    ["a string for paused", { spec: { paused: "yes" } }, "spec.paused: Invalid input: expected boolean"],
    ["a target without kind", { spec: { target: { ref: { kind: null } } } }, "spec.target.ref.kind: Invalid input"],
    [
      "a namespace on a Namespace target",
      { spec: { target: { ref: { namespace: "x" } } } },
      "spec.target.ref.namespace: must not be set for a Namespace target",
    ],
    [
      "an unknown task",
      { spec: { task: { name: "other" } } },
      'spec.task.name: Invalid input: expected "kubedump-backup"',
    ],
    [
      "an unknown param",
      { spec: { task: { params: [{ name: "foo", value: "x" }] } } },
      'spec.task.params[0].name: unknown param "foo"',
    ],
    [
      "a bad param value",
      {
        spec: {
          task: {
            params: [
              { name: "a", value: "1" },
              { name: "sanitize", value: "1" },
            ],
          },
        },
      },
      'spec.task.params[1].value: sanitize: must be "true" or "false"',
    ],
    [
      "a param without value",
      { spec: { task: { params: [{ name: "sanitize" }] } } },
      "spec.task.params[0].value: Invalid input: expected string",
    ],
    [
      "a negative keepLast",
      { spec: { retentionPolicy: { keepLast: -1 } } },
      "spec.retentionPolicy.keepLast: Too small: expected number to be >=0",
    ],
    [
      "a fractional keepDaily",
      { spec: { retentionPolicy: { keepDaily: 1.5 } } },
      "spec.retentionPolicy.keepDaily: Invalid input: expected int",
    ],
    [
      "a policy that keeps nothing",
      {
        spec: {
          retentionPolicy: { keepLast: 0, keepDaily: null, keepWeekly: null, keepMonthly: null, keepYearly: null },
        },
      },
      "spec.retentionPolicy: at least one of keepLast",
    ],
    [
      "a policy without name",
      { spec: { retentionPolicy: { name: null } } },
      "spec.retentionPolicy.name: Invalid input",
    ],
    ["a negative backupHistoryLimit", { spec: { backupHistoryLimit: -1 } }, "spec.backupHistoryLimit: Too small"],
    ["a timeOut without unit", { spec: { timeOut: "30" } }, 'spec.timeOut: must be a duration such as "30s"'],
    ["a timeOut in days", { spec: { timeOut: "1d" } }, "spec.timeOut: must be a duration"],
    ["a negative maxRetry", { spec: { retryConfig: { maxRetry: -1 } } }, "spec.retryConfig.maxRetry: Too small"],
    ["a bad retry delay", { spec: { retryConfig: { delay: "soon" } } }, "spec.retryConfig.delay: must be a duration"],
    ["a wrong kind", { kind: "Backup" }, 'kind: Invalid input: expected "BackupConfiguration"'],
    [
      "a wrong apiVersion",
      { apiVersion: "stash.appscode.com/v1beta1" },
      'apiVersion: Invalid input: expected "kubedump.io/v1alpha1"',
    ],
    ["a missing spec", { spec: null }, "spec: Invalid input: expected object"],
    [
      "a label whose value is no string, its key quoted",
      { metadata: { labels: { "kubedump.io/tier": 3 } } },
      'metadata.labels["kubedump.io/tier"]: Invalid input: expected string',
    ],
  ])("rejects %s", (_name, patch, message) => {
    const result = validateBackupConfiguration(mergePatch(backupConfigurationFixture(), patch));
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.errors.join("\n")).toContain(message);
  });

  it("names the object itself when it is not an object", () => {
    expect(validateBackupConfiguration("nightly")).toEqual({
      ok: false,
      errors: ["(root): Invalid input: expected object, received string"],
    });
  });
});

describe("validateRepository", () => {
  it.each([
    ["an s3 backend", {}],
    ["an https endpoint", { spec: { backend: { s3: { endpoint: "https://s3.amazonaws.com" } } } }],
    [
      "a local backend without Secret",
      { spec: { backend: { s3: null, local: { path: "/backups" } }, storageSecretName: null } },
    ],
  ])("accepts %s", (_name, patch) => {
    const result = validateRepository(mergePatch(repositoryFixture(), patch));
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it.each([
    [
      "both s3 and local",
      { spec: { backend: { local: { path: "/backups" } } } },
      "spec.backend: exactly one of s3 or local must be set",
    ],
    [
      "neither s3 nor local",
      { spec: { backend: { s3: null } } },
      "spec.backend: exactly one of s3 or local must be set",
    ],
    [
      "s3 without Secret",
      { spec: { storageSecretName: null } },
      "spec.storageSecretName: storageSecretName is required for an s3 backend",
    ],
    [
      "a bucket with capitals",
      { spec: { backend: { s3: { bucket: "Backups" } } } },
      "spec.backend.s3.bucket: must be a valid S3 bucket name",
    ],
    [
      "an endpoint with a path",
      { spec: { backend: { s3: { endpoint: "minio:9000/x" } } } },
      "spec.backend.s3.endpoint: must be host[:port]",
    ],
    ["s3 without bucket", { spec: { backend: { s3: { bucket: null } } } }, "spec.backend.s3.bucket: Invalid input"],
    [
      "a relative local path",
      { spec: { backend: { s3: null, local: { path: "backups" } } } },
      "spec.backend.local.path: must be an absolute path",
    ],
    [
      "a string insecureTLS",
      { spec: { backend: { s3: { insecureTLS: "true" } } } },
      "spec.backend.s3.insecureTLS: Invalid input: expected boolean",
    ],
  ])("rejects %s", (_name, patch, message) => {
    const result = validateRepository(mergePatch(repositoryFixture(), patch));
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.errors.join("\n")).toContain(message);
  });
});

describe("validateBackupSession", () => {
  it("accepts a session with a full status", () => {
    const status = {
      phase: "PartiallySucceeded",
      startTime: "2026-11-26T02:00:00Z",
      completionTime: "2026-11-26T02:01:30Z",
      sessionDuration: "1m30s",
      snapshot: { id: "20261126T020000Z-3f9a1c", objects: 1234, totalSize: "1.2 MiB", uploaded: "1.2 MiB" },
      warnings: ["metrics.k8s.io/v1beta1: the server is currently unable to handle the request"],
      conditions: [
        {
          type: "SnapshotCommitted",
          status: "True",
          reason: "SnapshotCommitted",
          message: "",
          lastTransitionTime: "2026-11-26T02:01:30Z",
        },
      ],
    };
    const result = validateBackupSession({ ...backupSessionFixture(), status });
    expect(result).toEqual({ ok: true, value: { ...backupSessionFixture(), status } });
  });

  it.each([
    [
      "another invoker kind",
      { spec: { invoker: { kind: "BackupBatch" } } },
      'spec.invoker.kind: Invalid input: expected "BackupConfiguration"',
    ],
    [
      "another invoker group",
      { spec: { invoker: { apiGroup: "stash.appscode.com" } } },
      'spec.invoker.apiGroup: Invalid input: expected "kubedump.io"',
    ],
    ["an unknown phase", { status: { phase: "Unknown" } }, "status.phase: Invalid option"],
    [
      "a negative object count",
      { status: { snapshot: { id: "x", objects: -1, totalSize: "0 B", uploaded: "0 B" } } },
      "status.snapshot.objects: Too small",
    ],
    ["a bad start time", { status: { startTime: "yesterday" } }, "status.startTime: Invalid ISO datetime"],
    [
      "a condition with a bad status",
      {
        status: {
          conditions: [
            { type: "A", status: "Yes", reason: "B", message: "", lastTransitionTime: "2026-11-26T02:00:00Z" },
          ],
        },
      },
      "status.conditions[0].status: Invalid option",
    ],
  ])("rejects %s", (_name, patch, message) => {
    const result = validateBackupSession(mergePatch(backupSessionFixture(), patch));
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.errors.join("\n")).toContain(message);
  });
});
