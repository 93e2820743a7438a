import type { Labels } from "@kubedump/metrics";

/**
 * Every Redis key the gateway uses, built here and nowhere else:
 *   <prefix>:groups           set of group keys
 *   <prefix>:group:<labels>   hash per group: labels (JSON), metrics (text format), push_time, push_failure_time,
 *                             family_times (JSON: family name → Unix seconds of its last push), created
 *   <prefix>:version          counter bumped by every write, watched to make writes atomic across replicas
 *   <prefix>:revisions        sorted set: group key → the version its last write made (deleted groups removed)
 *   <prefix>:revised          counter bumped with the version by every write that sets revisions
 *   <prefix>:epoch            a random id, set when missing: a new one means the keys were lost and rebuilt
 * <labels> is `name=value` pairs sorted by name, values percent-encoded, joined by `/`.
 */
export interface StoreKeys {
  groups: string;
  version: string;
  revisions: string;
  revised: string;
  epoch: string;
  group(labels: Labels): string;
}

export function storeKeys(prefix: string): StoreKeys {
  return {
    groups: `${prefix}:groups`,
    version: `${prefix}:version`,
    revisions: `${prefix}:revisions`,
    revised: `${prefix}:revised`,
    epoch: `${prefix}:epoch`,
    group: (labels) => `${prefix}:group:${groupingKey(labels)}`,
  };
}

/** A stable, readable identity of a grouping: sorted `name=value` pairs. */
export function groupingKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}=${encodeURIComponent(labels[name] ?? "")}`)
    .join("/");
}

/** The fields of a group's hash. */
export const GROUP_FIELDS = {
  labels: "labels",
  metrics: "metrics",
  pushTime: "push_time",
  pushFailureTime: "push_failure_time",
  familyTimes: "family_times",
  created: "created",
} as const;
