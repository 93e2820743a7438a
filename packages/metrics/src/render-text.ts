import type { Labels, MetricFamily, Sample } from "./types.js";

/** The Content-Type of what renderTextFormat produces. */
export const TEXT_FORMAT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A float as the text format writes it: NaN, +Inf, -Inf, or the shortest decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return Object.is(value, -0) ? "-0" : String(value);
}

const escapeHelp = (help: string): string => help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabelValue = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function renderLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

function renderSample(sample: Sample): string {
  const ts = sample.timestamp === undefined ? "" : ` ${sample.timestamp}`;
  return `${sample.name}${renderLabels(sample.labels)} ${formatValue(sample.value)}${ts}`;
}

/**
 * Renders families as the Prometheus text exposition format 0.0.4: HELP (when the family has one),
 * TYPE, then its samples, each family once and in the given order. Names are written as given;
 * parseTextFormat(renderTextFormat(x)) gives x back for any x that parseTextFormat could produce.
 */
export function renderTextFormat(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (family.help !== undefined)
      lines.push(`# HELP ${family.name}${family.help === "" ? "" : ` ${escapeHelp(family.help)}`}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(renderSample(sample));
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
