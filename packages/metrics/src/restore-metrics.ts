import { RESTORE_METRICS, type RestoreMetricLabels, type RestoreMetricValues } from "./names.js";
import { backupJobKey, pushFamilies, type PushTarget } from "./push.js";
import type { Labels, MetricFamily } from "./types.js";

/**
 * The families of one RestoreSession: success, duration and, when it ran, one
 * kubedump_restore_objects_total sample per outcome (label `outcome`).
 */
export function restoreMetricFamilies(labels: RestoreMetricLabels, values: RestoreMetricValues): MetricFamily[] {
  const exposed: Labels = {
    namespace: labels.namespace,
    restore_session: labels.session,
    repository: labels.repository,
  };
  const gauge = (def: { name: string; help: string }, value: number, extra: Labels = {}): MetricFamily => ({
    name: def.name,
    help: def.help,
    type: "gauge",
    samples: [{ name: def.name, labels: { ...exposed, ...extra }, value }],
  });
  const families = [
    gauge(RESTORE_METRICS.sessionSuccess, Number(values.sessionSuccess)),
    gauge(RESTORE_METRICS.sessionDurationSeconds, values.sessionDurationSeconds),
  ];
  if (values.objects) {
    const def = RESTORE_METRICS.objects;
    const samples = Object.entries(values.objects).map(([outcome, value]) => ({
      name: def.name,
      labels: { ...exposed, outcome },
      value,
    }));
    families.push({ name: def.name, help: def.help, type: "gauge", samples });
  }
  return families;
}

export interface PushRestoreMetricsOptions extends Omit<PushTarget, "job"> {
  labels: RestoreMetricLabels;
  values: RestoreMetricValues;
}

/**
 * Pushes a RestoreSession's metrics, replacing its group (HTTP PUT): the job is the session's
 * own, `RestoreSession-<namespace>-<name>`. Throws MetricsPushError.
 */
export async function pushRestoreMetrics(opts: PushRestoreMetricsOptions): Promise<void> {
  const job = backupJobKey({ kind: "RestoreSession", namespace: opts.labels.namespace, name: opts.labels.session });
  await pushFamilies({ ...opts, job }, restoreMetricFamilies(opts.labels, opts.values), "PUT");
}
