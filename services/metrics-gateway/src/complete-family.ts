import { type Labels, type MetricFamily, parseFloatValue, type Sample } from "@kubedump/metrics";

/**
 * A histogram or summary as the Pushgateway holds it after parsing the text into Go's data model
 * and writing it out again: one metric per label set (without `le`/`quantile`), each with its
 * `_sum` and `_count` (0 when not pushed), a histogram with its `le="+Inf"` bucket (the count
 * when not pushed); buckets without `le` and quantiles without `quantile` dropped; `le` and
 * `quantile` values written as Go writes floats. Other families come back as they are.
 */
export function completeFamily(family: MetricFamily): MetricFamily {
  if (family.type !== "histogram" && family.type !== "summary") return family;
  const bound = family.type === "histogram" ? "le" : "quantile";
  const main = family.type === "histogram" ? `${family.name}_bucket` : family.name;
  const metrics = new Map<string, { labels: Labels; bounds: Sample[]; sum?: number; count?: number }>();
  for (const sample of family.samples) {
    const { [bound]: boundValue, ...labels } = sample.labels;
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    let metric = metrics.get(key);
    if (!metric) {
      metric = { labels, bounds: [] };
      metrics.set(key, metric);
    }
    if (sample.name === main && boundValue !== undefined) {
      metric.bounds.push({
        ...sample,
        labels: { ...labels, [bound]: goFloat(parseFloatValue(boundValue) ?? Number.NaN) },
      });
    } else if (sample.name === `${family.name}_sum`) metric.sum = sample.value;
    else if (sample.name === `${family.name}_count`) metric.count = sample.value;
  }
  const samples: Sample[] = [];
  for (const { labels, bounds, sum, count } of metrics.values()) {
    samples.push(...bounds);
    if (bound === "le" && !bounds.some((b) => b.labels.le === "+Inf")) {
      samples.push({ name: main, labels: { ...labels, le: "+Inf" }, value: count ?? 0 });
    }
    samples.push({ name: `${family.name}_sum`, labels, value: sum ?? 0 });
    samples.push({ name: `${family.name}_count`, labels, value: count ?? 0 });
  }
  return { ...family, samples };
}

/**
 * A float as Go's expfmt writes it: `+Inf`, `-Inf`, `NaN`, `0` for either zero, otherwise the
 * shortest digits, in exponent form (`1e+06`, `1e-05`) below 1e-4 and from 1e6 on.
 */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  if (value === 0) return "0";
  const [mantissa = "", exponent = "0"] = value.toExponential().split("e");
  const exp = Number(exponent);
  if (exp >= -4 && exp < 6) return String(value);
  return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}
