import { TextFormatError } from "./text-format-error.js";
import { parseFloatValue, parseTextLine } from "./text-line.js";
import { type MetricFamily, type MetricType, type Sample, seriesKey } from "./types.js";

interface FamilyState {
  family: MetricFamily;
  helpLine?: number;
  typeLine?: number;
  firstSampleLine?: number;
}

/**
 * How strictly to read. `pushgateway: true` reads a push as Prometheus's Pushgateway (Go's
 * expfmt parser) does: it leaves duplicate series and reserved (`__`) label names to the caller's
 * consistency check, takes a histogram bucket without `le` or a summary sample without
 * `quantile` (Go's parser drops them), and refuses a carriage return before a sample line's end
 * and a last line that does not end with a newline.
 */
export interface ParseOptions {
  pushgateway?: boolean;
}

/** The families read so far, and where each series was first seen. */
class ParseState {
  readonly families = new Map<string, FamilyState>();
  readonly series = new Map<string, number>();
  constructor(readonly pushgateway: boolean) {}

  family(name: string): FamilyState {
    let state = this.families.get(name);
    if (!state) {
      state = { family: { name, type: "untyped", samples: [] } };
      this.families.set(name, state);
    }
    return state;
  }

  /** The family a sample belongs to: its own name, or a histogram/summary it is a part of. */
  familyOf(sampleName: string): FamilyState {
    const exact = this.families.get(sampleName);
    if (exact) return exact;
    for (const suffix of ["_bucket", "_sum", "_count"]) {
      if (!sampleName.endsWith(suffix)) continue;
      const base = this.families.get(sampleName.slice(0, -suffix.length));
      const type = base?.family.type;
      if (base && (type === "histogram" || (type === "summary" && suffix !== "_bucket"))) return base;
    }
    return this.family(sampleName);
  }
}

/**
 * Parses the Prometheus text exposition format 0.0.4 into metric families, in order of first
 * appearance. Throws TextFormatError (with the line number) on a malformed line, a second HELP or
 * TYPE for a metric, a TYPE after the metric's samples, an invalid metric or label name, a
 * histogram or summary sample without its `le`/`quantile`, or the same series twice (see
 * ParseOptions for what a Pushgateway reads otherwise).
 */
export function parseTextFormat(text: string, options: ParseOptions = {}): MetricFamily[] {
  const state = new ParseState(options.pushgateway ?? false);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i] ?? "";
    if (state.pushgateway) checkLineEnd(raw, lineNo, i === lines.length - 1);
    const line = parseTextLine(raw, lineNo, state.pushgateway);
    if (line.kind === "help") setHelp(state, line.name, line.help, lineNo);
    else if (line.kind === "type") setType(state, line.name, line.type, lineNo);
    else if (line.kind === "sample") addSample(state, line.sample, lineNo);
  }
  return [...state.families.values()].map((s) => s.family);
}

/** What Go's parser refuses and parseTextLine would take: a CR ending a sample, a last line without newline. */
function checkLineEnd(raw: string, line: number, last: boolean): void {
  const content = raw.trimStart();
  if (content === "") return;
  if (last)
    throw new TextFormatError(line, "unexpected end of input stream (the last line does not end with a newline)");
  if (!content.startsWith("#") && content.endsWith("\r")) {
    throw new TextFormatError(line, "a carriage return ends the sample (lines end with \\n alone)");
  }
}

function setHelp(state: ParseState, name: string, help: string, line: number): void {
  const s = state.family(name);
  if (s.helpLine !== undefined) {
    throw new TextFormatError(line, `second HELP line for metric "${name}" (the first is on line ${s.helpLine})`);
  }
  s.helpLine = line;
  s.family.help = help;
}

function setType(state: ParseState, name: string, type: MetricType, line: number): void {
  const s = state.family(name);
  if (s.typeLine !== undefined) {
    throw new TextFormatError(line, `second TYPE line for metric "${name}" (the first is on line ${s.typeLine})`);
  }
  if (s.firstSampleLine !== undefined) {
    throw new TextFormatError(
      line,
      `TYPE line for metric "${name}" after its samples (the first is on line ${s.firstSampleLine})`,
    );
  }
  s.typeLine = line;
  s.family.type = type;
}

function addSample(state: ParseState, sample: Sample, line: number): void {
  const s = state.familyOf(sample.name);
  checkRole(s.family, sample, line, state.pushgateway);
  const key = seriesKey(sample.name, sample.labels);
  const first = state.series.get(key);
  if (first !== undefined && !state.pushgateway) {
    throw new TextFormatError(line, `duplicate series ${describeSeries(sample)} (first on line ${first})`);
  }
  state.series.set(key, line);
  s.firstSampleLine ??= line;
  s.family.samples.push(sample);
}

/** Histogram samples are _bucket (with `le`), _sum, _count; summary samples carry `quantile`. */
function checkRole(family: MetricFamily, sample: Sample, line: number, mayLackBound: boolean): void {
  const { name, type } = family;
  if (type === "histogram") {
    if (sample.name === `${name}_bucket`) checkBound(sample, "le", line, mayLackBound);
    else if (sample.name !== `${name}_sum` && sample.name !== `${name}_count`) {
      throw new TextFormatError(
        line,
        `histogram "${name}" has a sample named "${sample.name}"; expected ${name}_bucket, ${name}_sum or ${name}_count`,
      );
    }
  } else if (type === "summary" && sample.name === name) {
    checkBound(sample, "quantile", line, mayLackBound);
  }
}

function checkBound(sample: Sample, label: "le" | "quantile", line: number, mayLack: boolean): void {
  const raw = sample.labels[label];
  if (raw === undefined && mayLack) return;
  if (raw === undefined) throw new TextFormatError(line, `${describeSeries(sample)} has no "${label}" label`);
  if (parseFloatValue(raw) === undefined) {
    throw new TextFormatError(line, `${describeSeries(sample)} has an invalid "${label}" value "${raw}"`);
  }
}

/** `name{a="1",b="2"}` for messages. */
export function describeSeries(sample: Pick<Sample, "name" | "labels">): string {
  const pairs = Object.entries(sample.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return pairs.length === 0 ? sample.name : `${sample.name}{${pairs.join(",")}}`;
}
