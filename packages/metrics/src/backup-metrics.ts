import { BACKUP_LABEL_NAMES, BACKUP_METRICS, type BackupMetricLabels, type BackupMetricValues } from "./names.js";
import type { Labels, MetricFamily } from "./types.js";

export interface BackupFamiliesOptions {
  labels: BackupMetricLabels;
  values: BackupMetricValues;
  /** Also emit Stash's names for each value, so Stash dashboards and alerts keep working. */
  stashNames?: boolean;
}

/**
 * The families a backup pushes. Stash's rule: a failed session sends only its `*_success` = 0
 * (pushBackupMetrics POSTs it, so the other gauges of the last success stay on the gateway);
 * otherwise every value given is sent and every value missing is left out.
 */
export function backupMetricFamilies({ labels, values, stashNames = false }: BackupFamiliesOptions): MetricFamily[] {
  return metricFamilies(labels, values.sessionSuccess ? values : { sessionSuccess: false }, stashNames);
}

/**
 * The families of a Repository's verification: kubedump_repository_integrity alone (and Stash's
 * stash_repository_integrity when asked), 1 when no damage was found.
 */
export function repositoryIntegrityFamilies(o: {
  labels: BackupMetricLabels;
  integrity: boolean;
  stashNames?: boolean;
}): MetricFamily[] {
  return metricFamilies(o.labels, { repositoryIntegrity: o.integrity }, o.stashNames ?? false);
}

/** One gauge family per value given (and per Stash name of it when asked), every sample with all the labels. */
function metricFamilies(
  labels: BackupMetricLabels,
  sent: Partial<BackupMetricValues>,
  stashNames: boolean,
): MetricFamily[] {
  const exposed: Labels = {};
  for (const key of Object.keys(BACKUP_LABEL_NAMES) as (keyof BackupMetricLabels)[]) {
    exposed[BACKUP_LABEL_NAMES[key]] = labels[key];
  }
  const families: MetricFamily[] = [];
  for (const key of Object.keys(BACKUP_METRICS) as (keyof BackupMetricValues)[]) {
    const raw = sent[key];
    if (raw === undefined) continue;
    const value = typeof raw === "boolean" ? Number(raw) : raw;
    const def = BACKUP_METRICS[key];
    const names: readonly string[] = stashNames ? [def.name, ...def.stashNames] : [def.name];
    for (const name of names) {
      families.push({ name, help: def.help, type: "gauge", samples: [{ name, labels: { ...exposed }, value }] });
    }
  }
  return families;
}
