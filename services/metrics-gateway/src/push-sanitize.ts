import { describeSeries, type Labels, type MetricFamily, type Sample, seriesKey } from "@kubedump/metrics";
import { completeFamily } from "./complete-family.js";
import { PushRejectedError } from "./errors.js";
import { groupSampleLabels, PUSH_FAILURE_TIME_METRIC, PUSH_TIME_METRIC, sortLabels } from "./exposition.js";

/**
 * Pushed families made ready to hold, as the Pushgateway sanitizes a push: families named
 * push_time_seconds or push_failure_time_seconds dropped (the gateway sets those), and families
 * without samples; an empty HELP dropped; histograms and summaries completed (completeFamily);
 * every sample given the grouping labels, overwriting the body's values, and `instance=""` when
 * it has no instance; labels sorted. Beyond the Pushgateway, labels with an empty value other
 * than `instance` are dropped, since Prometheus reads them as absent (docs/metrics.md).
 * Rejects timestamps, reserved (`__`) label names, and two samples that end up as one series.
 */
export function sanitizePush(families: readonly MetricFamily[], grouping: Labels): MetricFamily[] {
  const required = groupSampleLabels(grouping);
  const out: MetricFamily[] = [];
  const seen = new Set<string>();
  for (const pushed of families) {
    if (pushed.samples.length === 0 || pushed.name === PUSH_TIME_METRIC || pushed.name === PUSH_FAILURE_TIME_METRIC)
      continue;
    for (const sample of pushed.samples) checkSample(sample);
    const family = completeFamily(pushed);
    const samples = family.samples.map((sample) => withGrouping(sample, grouping, required));
    for (const sample of samples) {
      const key = seriesKey(sample.name, sample.labels);
      if (seen.has(key)) throw new PushRejectedError(`series ${describeSeries(sample)} is pushed twice`);
      seen.add(key);
    }
    const { help, ...rest } = family;
    out.push(help ? { ...rest, help, samples } : { ...rest, samples });
  }
  return out;
}

function checkSample(sample: Sample): void {
  if (sample.timestamp !== undefined) {
    throw new PushRejectedError(
      `pushed metrics must not have timestamps (${describeSeries(sample)} has ${sample.timestamp})`,
    );
  }
  const reserved = Object.keys(sample.labels).find((name) => name.startsWith("__"));
  if (reserved !== undefined) {
    throw new PushRejectedError(`${describeSeries(sample)} has the reserved label name "${reserved}"`);
  }
}

function withGrouping(sample: Sample, grouping: Labels, required: Labels): Sample {
  const labels: Labels = { ...required };
  for (const [name, value] of Object.entries(sample.labels)) {
    if (value !== "" && !Object.hasOwn(grouping, name)) labels[name] = value;
  }
  // The text format has no -0 in the Pushgateway's output: Go writes any zero as 0.
  const value = sample.value === 0 ? 0 : sample.value;
  return { name: sample.name, labels: sortLabels(labels), value };
}
