import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { formatGoLabelFloat } from "./go-float.js";
import { describeSeries } from "./parse-text.js";
import {
  isValidLabelName,
  isValidMetricName,
  type Labels,
  type MetricFamily,
  type MetricType,
  type Sample,
  seriesKey,
} from "./types.js";

/** The Content-Type of a push in the delimited protocol buffer format (the Go client's default). */
export const PROTOBUF_CONTENT_TYPE =
  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/** `metrics.proto` of prometheus/client_model v0.6.2, copied into dist by the build. */
const PROTO_FILE = new URL("./proto/io/prometheus/client/metrics.proto", import.meta.url);

/** A push body that is not a sequence of length-delimited MetricFamily messages, or holds one we refuse. */
export class ProtobufFormatError extends Error {
  override name = "ProtobufFormatError";
}

type Int64 = number | protobuf.Long;
interface DecodedLabel {
  name: string;
  value: string;
}
interface DecodedValue {
  value: number;
}
interface DecodedSummary {
  sample_count: Int64;
  sample_sum: number;
  quantile: { quantile: number; value: number }[];
}
interface DecodedHistogram {
  sample_count: Int64;
  sample_count_float: number;
  sample_sum: number;
  bucket: { cumulative_count: Int64; cumulative_count_float: number; upper_bound: number }[];
}
/** A decoded Metric: unset message fields read null, unset scalars their default (0, ""). */
interface DecodedMetric {
  label: DecodedLabel[];
  gauge: DecodedValue | null;
  counter: DecodedValue | null;
  untyped: DecodedValue | null;
  summary: DecodedSummary | null;
  histogram: DecodedHistogram | null;
  timestamp_ms: Int64;
}
interface DecodedFamily {
  name: string;
  help: string;
  type: number;
  metric: DecodedMetric[];
}

/** MetricType by its number; GAUGE_HISTOGRAM is written as a histogram, as in Go's text format. */
const TYPES: readonly MetricType[] = ["counter", "gauge", "summary", "untyped", "histogram", "histogram"];

let metricFamilyType: protobuf.Type | undefined;

/** The MetricFamily message type, read from the .proto on first use (protobufjs reflection). */
function metricFamily(): protobuf.Type {
  metricFamilyType ??= new protobuf.Root()
    .loadSync(fileURLToPath(PROTO_FILE), { keepCase: true })
    .lookupType("io.prometheus.client.MetricFamily");
  return metricFamilyType;
}

/**
 * MetricFamily messages, given as plain objects with the .proto's field names, encoded as a
 * delimited push body (the Go client's format); for tests and clients.
 */
export function encodeDelimitedProtobuf(messages: readonly object[]): Uint8Array {
  const type = metricFamily();
  return Buffer.concat(messages.map((m) => type.encodeDelimited(type.fromObject(m)).finish()));
}

const toNumber = (v: Int64, unsigned: boolean): number =>
  typeof v === "number" ? v : protobuf.util.LongBits.from(v).toNumber(unsigned);

/** A float count when it is set and not zero (it overrides the integer one), else the integer count. */
const orCount = (float: number, integer: Int64): number => (float !== 0 ? float : toNumber(integer, true));

/**
 * Reads a push in the delimited protocol buffer format into the families parseTextFormat gives
 * for the text Pushgateway would expose for it: histograms as `_bucket` (with `le="+Inf"` added
 * when missing), `_sum` and `_count` (native histogram buckets, exemplars and created timestamps
 * have no text form and are dropped); summaries as quantiles, `_sum` and `_count`; `le` and
 * `quantile` values written as Go writes floats. A later family of a name replaces an earlier one,
 * as in the Pushgateway. Throws ProtobufFormatError on bytes that do not decode, and on what the
 * text format cannot hold: an invalid metric or label name, a label twice, a series twice, a
 * metric without the value of its family's type, an `le`/`quantile` label of its own, or a family
 * named like another's `_count`, `_sum` or `_bucket` series.
 */
export function parseDelimitedProtobuf(body: Uint8Array): MetricFamily[] {
  const type = metricFamily();
  const reader = protobuf.Reader.create(body);
  const families = new Map<string, MetricFamily>();
  for (let index = 1; reader.pos < reader.len; index++) {
    let message: DecodedFamily;
    try {
      message = type.decodeDelimited(reader) as unknown as DecodedFamily;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ProtobufFormatError(`MetricFamily message ${index} does not decode: ${reason}`, { cause: err });
    }
    const family = toFamily(message, index);
    families.delete(family.name);
    families.set(family.name, family);
  }
  checkSuffixCollisions(families);
  return [...families.values()];
}

function toFamily(message: DecodedFamily, index: number): MetricFamily {
  const { name } = message;
  if (!isValidMetricName(name)) {
    throw new ProtobufFormatError(`MetricFamily message ${index} has an invalid metric name ${JSON.stringify(name)}`);
  }
  const type = TYPES[message.type] ?? "counter"; // an unknown enum value reads as the default, COUNTER
  const family: MetricFamily = { name, type, samples: [] };
  if (Object.hasOwn(message, "help")) family.help = message.help;
  const seen = new Set<string>();
  for (const metric of message.metric) {
    for (const sample of toSamples(message, type, metric)) {
      const key = seriesKey(sample.name, sample.labels);
      if (seen.has(key)) throw new ProtobufFormatError(`metric family "${name}" has ${describeSeries(sample)} twice`);
      seen.add(key);
      family.samples.push(sample);
    }
  }
  return family;
}

/** The text-format samples of one Metric. */
function toSamples(family: DecodedFamily, type: MetricType, metric: DecodedMetric): Sample[] {
  const { name } = family;
  const bound = type === "histogram" ? "le" : type === "summary" ? "quantile" : undefined;
  const labels = toLabels(name, metric.label, bound);
  const timestamp = Object.hasOwn(metric, "timestamp_ms") ? toNumber(metric.timestamp_ms, false) : undefined;
  const sample = (suffix: string, value: number, extra: Labels = {}): Sample => {
    const s: Sample = { name: `${name}${suffix}`, labels: { ...labels, ...extra }, value };
    if (timestamp !== undefined) s.timestamp = timestamp;
    return s;
  };
  const data = metric[type];
  if (data === null) {
    throw new ProtobufFormatError(
      `metric family "${name}" is a ${type} but its series ${describeSeries({ name, labels })} has no ${type} value`,
    );
  }
  if (type === "summary") {
    const summary = data as DecodedSummary;
    return [
      ...summary.quantile.map((q) => sample("", q.value, { quantile: formatGoLabelFloat(q.quantile) })),
      sample("_sum", summary.sample_sum),
      sample("_count", toNumber(summary.sample_count, true)),
    ];
  }
  if (type === "histogram") {
    const histogram = data as DecodedHistogram;
    const count = orCount(histogram.sample_count_float, histogram.sample_count);
    const buckets = histogram.bucket.map((b) =>
      sample("_bucket", orCount(b.cumulative_count_float, b.cumulative_count), {
        le: formatGoLabelFloat(b.upper_bound),
      }),
    );
    if (!histogram.bucket.some((b) => b.upper_bound === Number.POSITIVE_INFINITY)) {
      buckets.push(sample("_bucket", count, { le: "+Inf" }));
    }
    return [...buckets, sample("_sum", histogram.sample_sum), sample("_count", count)];
  }
  return [sample("", (data as DecodedValue).value)];
}

function toLabels(family: string, pairs: readonly DecodedLabel[], bound: string | undefined): Labels {
  const labels: Labels = {};
  for (const { name, value } of pairs) {
    const where = `a series of metric family "${family}"`;
    if (!isValidLabelName(name))
      throw new ProtobufFormatError(`${where} has an invalid label name ${JSON.stringify(name)}`);
    if (Object.hasOwn(labels, name)) throw new ProtobufFormatError(`${where} has the label "${name}" twice`);
    if (name === bound) throw new ProtobufFormatError(`${where} has a "${name}" label of its own`);
    labels[name] = value;
  }
  return labels;
}

/** A histogram or summary `x` and a family named `x_count` or `x_sum` (or `x_bucket`) cannot both be exposed. */
function checkSuffixCollisions(families: ReadonlyMap<string, MetricFamily>): void {
  for (const family of families.values()) {
    if (family.type !== "histogram" && family.type !== "summary") continue;
    const suffixes = family.type === "histogram" ? ["_count", "_sum", "_bucket"] : ["_count", "_sum"];
    const clash = suffixes.find((suffix) => families.has(`${family.name}${suffix}`));
    if (clash) {
      throw new ProtobufFormatError(
        `metric family "${family.name}${clash}" collides with the ${family.type} "${family.name}"`,
      );
    }
  }
}
