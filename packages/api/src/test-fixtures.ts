import type { z } from "zod";
import type { BackupConfigurationSchema } from "./backup-configuration.js";
import type { BackupSessionSchema } from "./backup-session.js";
import { API_VERSION, BACKUP_CONFIGURATION_LABEL } from "./constants.js";
import type { RepositorySchema } from "./repository.js";
import type { RestoreSessionSchema } from "./restore-session.js";

// Builders for tests: each returns a fresh valid object; tests change it with mergePatch.

export function repositoryFixture(namespace = "demo"): z.input<typeof RepositorySchema> {
  return {
    apiVersion: API_VERSION,
    kind: "Repository",
    metadata: { name: "s3-repo", namespace },
    spec: {
      backend: {
        s3: { endpoint: "minio.storage.svc:9000", bucket: "backups", region: "us-east-1", prefix: "cluster-a" },
      },
      storageSecretName: "s3-secret",
    },
  };
}

export function backupConfigurationFixture(namespace = "demo"): z.input<typeof BackupConfigurationSchema> {
  return {
    apiVersion: API_VERSION,
    kind: "BackupConfiguration",
    metadata: { name: "nightly", namespace },
    spec: {
      repository: { name: "s3-repo" },
      schedule: "0 2 * * *",
      timeZone: "Europe/Berlin",
      paused: false,
      mode: "Scheduled",
      target: { ref: { apiVersion: "v1", kind: "Namespace", name: "prod" } },
      task: { name: "kubedump-backup", params: [{ name: "includeDependants", value: "true" }] },
      retentionPolicy: {
        name: "keep",
        keepLast: 5,
        keepHourly: 0,
        keepDaily: 7,
        keepWeekly: 4,
        keepMonthly: 6,
        keepYearly: 1,
        prune: true,
        dryRun: false,
      },
      backupHistoryLimit: 3,
      timeOut: "30m",
      retryConfig: { maxRetry: 2, delay: "1m" },
    },
  };
}

export function backupSessionFixture(namespace = "demo"): z.input<typeof BackupSessionSchema> {
  return {
    apiVersion: API_VERSION,
    kind: "BackupSession",
    metadata: { name: "nightly-1764122400", namespace, labels: { [BACKUP_CONFIGURATION_LABEL]: "nightly" } },
    spec: { invoker: { apiGroup: "kubedump.io", kind: "BackupConfiguration", name: "nightly" } },
  };
}

export function restoreSessionFixture(namespace = "demo"): z.input<typeof RestoreSessionSchema> {
  return {
    apiVersion: API_VERSION,
    kind: "RestoreSession",
    metadata: { name: "restore-prod", namespace },
    spec: {
      repository: { name: "s3-repo" },
      snapshot: "latest",
      backupConfiguration: "nightly",
      includeNamespaces: ["prod"],
      excludeResources: ["secrets"],
      labelSelector: "app=web",
      orLabelSelectors: ["tier=front", "tier=back"],
      ignoreGroupKinds: ["Lease.coordination.k8s.io"],
      namespaceMappings: [{ from: "prod", to: "prod-copy" }],
      existingResourcePolicy: "update",
      dryRun: false,
      skipOwned: true,
      restoreStatus: ["foos.example.com"],
    },
  };
}

/** RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
