import { backupJobKey, pushBackupMetrics } from "@kubedump/metrics";
import type { Logger } from "@kubedump/service";
import type { BackupDeps } from "./backup-types.js";

/** What a finished session reports to the metrics gateway. */
export interface BackupMetricsReport {
  namespace: string;
  configName: string;
  repository: string;
  success: boolean;
  start: Date;
  end: Date;
  objects?: number;
  bytes?: number;
  uploaded?: number;
  snapshotCount?: number;
  repositoryBytes?: number;
  cleaned?: number;
}

/**
 * Pushes the session's metrics; a failure sends only success=0 and leaves the gauges of the last
 * success (last_success_time among them) on the gateway. A push failure is logged, never fatal.
 */
export async function reportMetrics(
  deps: Pick<BackupDeps, "metrics">,
  log: Logger,
  o: BackupMetricsReport,
): Promise<boolean> {
  if (!deps.metrics) return false;
  const values = o.success
    ? {
        sessionSuccess: true,
        sessionDurationSeconds: (o.end.getTime() - o.start.getTime()) / 1000,
        lastSuccessTimeSeconds: o.end.getTime() / 1000,
        objectsTotal: o.objects,
        dataSizeBytes: o.bytes,
        dataUploadedBytes: o.uploaded,
        repositorySnapshotCount: o.snapshotCount,
        repositorySizeBytes: o.repositoryBytes,
        repositorySnapshotCleaned: o.cleaned,
      }
    : { sessionSuccess: false };
  try {
    await pushBackupMetrics({
      gatewayUrl: deps.metrics.gatewayUrl,
      token: deps.metrics.token,
      stashNames: deps.metrics.stashNames,
      retryForMs: deps.metrics.retryForMs,
      job: backupJobKey({ kind: "BackupConfiguration", namespace: o.namespace, name: o.configName }),
      labels: {
        invokerKind: "BackupConfiguration",
        invokerName: o.configName,
        namespace: o.namespace,
        repository: o.repository,
      },
      values,
    });
    return true;
  } catch (err) {
    log.warn({ err }, "pushing metrics to the gateway failed");
    return false;
  }
}
