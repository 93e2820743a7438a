/** The metric types of the Prometheus text exposition format 0.0.4. */
export const METRIC_TYPES = ["counter", "gauge", "histogram", "summary", "untyped"] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** Label names to values, in the order they were written. */
export type Labels = Record<string, string>;

/** One line of samples: `name{labels} value [timestamp]`. */
export interface Sample {
  name: string;
  labels: Labels;
  value: number;
  /** Milliseconds since the Unix epoch, when the line carried one. */
  timestamp?: number;
}

/**
 * A metric family: one HELP and TYPE, and its samples. Histogram and summary samples keep their
 * full names (`x_bucket`, `x_sum`, `x_count`), so a family's samples may be named differently
 * from the family.
 */
export interface MetricFamily {
  name: string;
  help?: string;
  type: MetricType;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const isValidMetricName = (name: string): boolean => METRIC_NAME.test(name);

/** A label name a pusher may use: valid, and not in the `__` prefix Prometheus reserves. */
export const isValidLabelName = (name: string): boolean => LABEL_NAME.test(name) && !name.startsWith("__");

/** An identity for a series: its name and its labels regardless of their order. */
export function seriesKey(name: string, labels: Labels): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return `${name}${JSON.stringify(pairs)}`;
}
