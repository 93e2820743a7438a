import { formatGoFloat, type Labels, type MetricFamily, type Sample, seriesKey } from "@kubedump/metrics";
import {
  groupSampleLabels,
  type HeldGroup,
  PUSH_FAILURE_TIME_HELP,
  PUSH_FAILURE_TIME_METRIC,
  PUSH_TIME_HELP,
  PUSH_TIME_METRIC,
} from "./exposition.js";

/** One metric family of a group in `GET /api/v1/metrics`, shaped as the Pushgateway writes it. */
export interface FamilyJson {
  /** When the family was last pushed (RFC 3339, UTC). */
  time_stamp: string;
  type: string;
  help?: string;
  metrics: Record<string, unknown>[];
}

/** A group: its grouping labels, whether its last push succeeded, and its families by name. */
export type GroupJson = { labels: Labels; last_push_successful: boolean } & Record<string, unknown>;

const isoTime = (unixSeconds: number): string => new Date(Math.round(unixSeconds * 1000)).toISOString();

/**
 * The groups as Pushgateway's `GET /api/v1/metrics` lists them: each family with the time of its
 * last push, its type in upper case, HELP when not empty, and its metrics with every value a
 * string written as Go writes it (counts of histograms and summaries as integers, as Go holds
 * them, unless a histogram has a fractional count); push_time_seconds and
 * push_failure_time_seconds among the families.
 */
export function groupsToJson(groups: readonly HeldGroup[]): GroupJson[] {
  return groups
    .filter((g) => g.labels.job !== undefined)
    .map((group) => {
      const json: GroupJson = { labels: group.labels, last_push_successful: group.pushFailureTime <= group.pushTime };
      for (const family of group.families) json[family.name] = familyToJson(family, familyTime(group, family.name));
      const created = group.created ?? Math.min(...[group.pushTime, group.pushFailureTime].filter((t) => t > 0));
      const timeFamily = (help: string, value: number): FamilyJson => ({
        time_stamp: isoTime(value > 0 ? value : created),
        type: "GAUGE",
        help,
        metrics: [{ labels: groupSampleLabels(group.labels), value: formatGoFloat(value) }],
      });
      json[PUSH_TIME_METRIC] = timeFamily(PUSH_TIME_HELP, group.pushTime);
      json[PUSH_FAILURE_TIME_METRIC] = timeFamily(PUSH_FAILURE_TIME_HELP, group.pushFailureTime);
      return json;
    });
}

const familyTime = (group: HeldGroup, name: string): number => group.familyTimes?.[name] ?? group.pushTime;

function familyToJson(family: MetricFamily, pushed: number): FamilyJson {
  const json: FamilyJson = { time_stamp: isoTime(pushed), type: family.type.toUpperCase(), metrics: [] };
  if (family.help) json.help = family.help;
  if (family.type === "histogram") json.metrics = histograms(family);
  else if (family.type === "summary") json.metrics = summaries(family);
  else json.metrics = family.samples.map((s) => ({ labels: s.labels, value: formatGoFloat(s.value) }));
  return json;
}

interface Parts {
  labels: Labels;
  /** le or quantile → value. */
  bounds: [string, number][];
  sum: number;
  count: number;
}

/** The samples of a histogram or summary, one entry per series without its `le`/`quantile`. */
function partsOf(family: MetricFamily, bound: "le" | "quantile", boundSample: string): Parts[] {
  const byKey = new Map<string, Parts>();
  const partOf = (sample: Sample): Parts => {
    const { [bound]: _, ...labels } = sample.labels;
    const key = seriesKey("", labels);
    let part = byKey.get(key);
    if (!part) {
      part = { labels, bounds: [], sum: 0, count: 0 };
      byKey.set(key, part);
    }
    return part;
  };
  for (const sample of family.samples) {
    const part = partOf(sample);
    const boundValue = sample.labels[bound];
    if (sample.name === boundSample && boundValue !== undefined) part.bounds.push([boundValue, sample.value]);
    else if (sample.name === `${family.name}_sum`) part.sum = sample.value;
    else if (sample.name === `${family.name}_count`) part.count = sample.value;
  }
  return [...byKey.values()];
}

const goKey = (bound: string): string => formatGoFloat(Number(bound.toLowerCase().replace(/inf(inity)?$/, "Infinity")));

function histograms(family: MetricFamily): Record<string, unknown>[] {
  return partsOf(family, "le", `${family.name}_bucket`).map((p) => {
    const floats = [p.count, ...p.bounds.map(([, v]) => v)].some((v) => !Number.isInteger(v) || v < 0);
    const count = (v: number) => (floats ? formatGoFloat(v) : BigInt(v).toString());
    return {
      labels: p.labels,
      buckets: Object.fromEntries(p.bounds.map(([le, v]) => [goKey(le), count(v)])),
      count: count(p.count),
      sum: formatGoFloat(p.sum),
    };
  });
}

function summaries(family: MetricFamily): Record<string, unknown>[] {
  return partsOf(family, "quantile", family.name).map((p) => ({
    labels: p.labels,
    quantiles: Object.fromEntries(p.bounds.map(([q, v]) => [goKey(q), formatGoFloat(v)])),
    // Go holds a summary's count as an unsigned integer: a fraction is cut off.
    count: Number.isFinite(p.count) && p.count >= 0 ? BigInt(Math.trunc(p.count)).toString() : formatGoFloat(p.count),
    sum: formatGoFloat(p.sum),
  }));
}
