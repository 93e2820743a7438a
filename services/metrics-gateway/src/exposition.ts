import {
  describeSeries,
  formatValue,
  type Labels,
  type MetricFamily,
  type MetricType,
  renderTextFormat,
} from "@kubedump/metrics";
import { type ExposedFamilies, exposedLines, exposeFamilies, type FamilyHead } from "./exposed-families.js";

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
  /** The families as /metrics writes them, when the store keeps them so; else they are rendered on each scrape. */
  exposed?: ExposedFamilies;
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
 * push_time_seconds and push_failure_time_seconds for every group. A group's families are taken
 * as the store keeps them rendered (`exposed`), so a scrape joins text rather than render it.
 */
export function renderExposition(own: readonly MetricFamily[], groups: readonly HeldGroup[]): Exposition {
  const merged = new Map<string, { head: FamilyHead; parts: string[] }>();
  for (const family of own) {
    const { heads, lines } = exposeFamilies([family]);
    if (heads[0]) merged.set(family.name, { head: heads[0], parts: [lines] });
  }
  const conflicts: string[] = [];
  for (const group of groups) {
    const exposed = group.exposed ?? exposeFamilies(group.families);
    exposed.heads.forEach((head, i) => {
      const held = merged.get(head.name);
      if (!held) merged.set(head.name, { head, parts: [exposedLines(exposed, i)] });
      else if (held.head.type === head.type) held.parts.push(exposedLines(exposed, i));
      else
        conflicts.push(
          `${head.name} of group ${describeSeries({ name: "", labels: group.labels })} is a ${head.type}, not a ${held.head.type}`,
        );
    });
  }
  const parts: string[] = [];
  for (const block of merged.values()) {
    parts.push(block.head.text);
    for (const lines of block.parts) parts.push(lines);
  }
  // A group whose stored labels were unreadable has no job: it cannot be told apart, so it is left out.
  const known = groups.filter((g) => g.labels.job !== undefined);
  if (known.length > 0) {
    pushTimes(parts, PUSH_TIME_METRIC, PUSH_TIME_HELP, known, (g) => g.pushTime);
    pushTimes(parts, PUSH_FAILURE_TIME_METRIC, PUSH_FAILURE_TIME_HELP, known, (g) => g.pushFailureTime);
  }
  return { text: parts.join(""), conflicts };
}

/** The family of a push time of every group, as renderTextFormat writes it, added to `parts`. */
function pushTimes(
  parts: string[],
  name: string,
  help: string,
  groups: readonly HeldGroup[],
  pick: (g: HeldGroup) => number,
): void {
  parts.push(renderTextFormat([{ name, help, type: "gauge", samples: [] }]));
  for (const g of groups) parts.push(`${name}${sampleLabelsText(g.labels)} ${formatValue(pick(g))}\n`);
}

const renderedSampleLabels = new WeakMap<Labels, string>();

/** `{instance="…",job="…",…}` of a group's push times as renderTextFormat writes it, kept with the group's labels. */
function sampleLabelsText(grouping: Labels): string {
  let text = renderedSampleLabels.get(grouping);
  if (text === undefined) {
    const sample = renderTextFormat([
      { name: "x", type: "gauge", samples: [{ name: "x", labels: groupSampleLabels(grouping), value: 0 }] },
    ]);
    text = sample.slice("# TYPE x gauge\nx".length, -" 0\n".length);
    renderedSampleLabels.set(grouping, text);
  }
  return text;
}
