import { describeSeries, type Labels, type MetricFamily, type MetricType, renderTextFormat } from "@kubedump/metrics";

export const PUSH_TIME_METRIC = "push_time_seconds";
export const PUSH_FAILURE_TIME_METRIC = "push_failure_time_seconds";
export const PUSH_TIME_HELP = "Last Unix time when changing this group in the Pushgateway succeeded.";
export const PUSH_FAILURE_TIME_HELP = "Last Unix time when changing this group in the Pushgateway failed.";

/** One grouping key's metrics as held in the store. */
export interface HeldGroup {
  key: string;
  labels: Labels;
  families: MetricFamily[];
  /** Unix seconds of the last successful change, 0 if none. */
  pushTime: number;
  /** Unix seconds of the last failed change, 0 if none. */
  pushFailureTime: number;
  /** Unix seconds each family was last pushed at (absent in groups stored before it was kept). */
  familyTimes?: Readonly<Record<string, number>>;
  /** Unix seconds of the group's first push, failed or not. */
  created?: number;
  /** Why the stored metrics could not be read back, when they could not. */
  corrupt?: string;
}

export interface Exposition {
  text: string;
  /** Families left out because another group (or the gateway) holds the name with another type. */
  conflicts: string[];
}

/** What the gateway's own metric of a name is; pushes of that name must have the same type. */
export interface OwnFamily {
  type: MetricType;
}

/** The same labels, sorted by name. */
export function sortLabels(labels: Labels): Labels {
  const sorted: Labels = {};
  for (const name of Object.keys(labels).sort()) sorted[name] = labels[name] ?? "";
  return sorted;
}

/** The grouping labels plus `instance=""` when the grouping has no instance, as the Pushgateway adds; sorted. */
export function groupSampleLabels(grouping: Labels): Labels {
  return sortLabels(Object.hasOwn(grouping, "instance") ? grouping : { ...grouping, instance: "" });
}

/**
 * The whole /metrics answer: the gateway's own families, every group's families merged into them
 * and each other by name (one HELP and TYPE per name: the gateway's, else the first group's), then
 * push_time_seconds and push_failure_time_seconds for every group.
 */
export function renderExposition(own: readonly MetricFamily[], groups: readonly HeldGroup[]): Exposition {
  const merged = new Map<string, MetricFamily>(own.map((f) => [f.name, { ...f, samples: [...f.samples] }]));
  const conflicts: string[] = [];
  for (const group of groups) {
    for (const family of group.families) {
      const held = merged.get(family.name);
      if (!held) merged.set(family.name, { ...family, samples: [...family.samples] });
      else if (held.type === family.type) held.samples.push(...family.samples);
      else
        conflicts.push(
          `${family.name} of group ${describeSeries({ name: "", labels: group.labels })} is a ${family.type}, not a ${held.type}`,
        );
    }
  }
  // A group whose stored labels were unreadable has no job: it cannot be told apart, so it is left out.
  const known = groups.filter((g) => g.labels.job !== undefined);
  const times = (name: string, help: string, pick: (g: HeldGroup) => number): MetricFamily => ({
    name,
    help,
    type: "gauge",
    samples: known.map((g) => ({ name, labels: groupSampleLabels(g.labels), value: pick(g) })),
  });
  const families = [...merged.values()];
  if (known.length > 0) {
    families.push(times(PUSH_TIME_METRIC, PUSH_TIME_HELP, (g) => g.pushTime));
    families.push(times(PUSH_FAILURE_TIME_METRIC, PUSH_FAILURE_TIME_HELP, (g) => g.pushFailureTime));
  }
  return { text: renderTextFormat(families), conflicts };
}
