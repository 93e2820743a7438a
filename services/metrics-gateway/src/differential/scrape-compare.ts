// What of a /metrics answer the differential suite compares: the pushed groups' series only.
import { formatValue, type Labels, type MetricFamily, parseTextFormat } from "@kubedump/metrics";

/** A scrape reduced to what both gateways must agree on. */
export interface NormalScrape {
  status: number;
  /** `<type> <name>{labels} <value>`, sorted; see normaliseScrape. */
  series: string[];
  /** `<family> <HELP as JSON>` of every family holding pushed series, sorted. */
  help: string[];
}

const PUSH_TIMES = new Set(["push_time_seconds", "push_failure_time_seconds"]);

/**
 * Keeps the series carrying a `job` label (every pushed series and push time has one; the
 * gateways' own metrics never do), with labels sorted and empty values dropped but `instance=""`
 * kept (Prometheus reads an empty label as no label, but `instance=""` stops it attaching one);
 * push times become `0` or `set`. HELP is left out for the gateways' own family names, which
 * each serves its own way.
 */
export function normaliseScrape(status: number, text: string, ownNames: ReadonlySet<string>): NormalScrape {
  if (status !== 200) return { status, series: [], help: [] };
  const series: string[] = [];
  const help: string[] = [];
  for (const family of parseTextFormat(text)) {
    const pushed = family.samples.filter((s) => s.labels.job !== undefined);
    if (pushed.length === 0) continue;
    for (const s of pushed) series.push(seriesLine(family, s.name, s.labels, s.value));
    if (!ownNames.has(family.name)) help.push(`${family.name} ${JSON.stringify(family.help ?? null)}`);
  }
  return { status, series: series.sort(), help: help.sort() };
}

function seriesLine(family: MetricFamily, name: string, labels: Labels, value: number): string {
  const kept = Object.keys(labels)
    .filter((k) => labels[k] !== "" || k === "instance")
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  const shown = PUSH_TIMES.has(name) ? (value === 0 ? "0" : "set") : formatValue(value);
  return `${family.type} ${name}{${kept.join(",")}} ${shown}`;
}

/** The family names a gateway serves on its own, read from a scrape before any push. */
export function ownFamilyNames(text: string): Set<string> {
  return new Set(parseTextFormat(text).map((f) => f.name));
}
