import { TextFormatError } from "./text-format-error.js";
import {
  isValidLabelName,
  isValidMetricName,
  type Labels,
  METRIC_TYPES,
  type MetricType,
  type Sample,
} from "./types.js";

/** One line of the text format, read on its own (grouping into families is the parser's job). */
export type TextLine =
  | { kind: "skip" }
  | { kind: "help"; name: string; help: string }
  | { kind: "type"; name: string; type: MetricType }
  | { kind: "sample"; sample: Sample };

const NAME_CHAR = /[a-zA-Z0-9_:]/;
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const isBlank = (ch: string | undefined): boolean => ch === " " || ch === "\t";

/** A read position in one line; `fail` raises a TextFormatError carrying the line number. */
class Cursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly line: number,
    readonly reservedLabelNames: boolean,
  ) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string | undefined {
    return this.text[this.pos];
  }
  skipBlanks(): void {
    while (isBlank(this.peek())) this.pos++;
  }
  readName(): string {
    const start = this.pos;
    while (!this.done && NAME_CHAR.test(this.peek()!)) this.pos++;
    return this.text.slice(start, this.pos);
  }
  readToken(): string {
    const start = this.pos;
    while (!this.done && !isBlank(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
  rest(): string {
    const rest = this.text.slice(this.pos);
    this.pos = this.text.length;
    return rest;
  }
  fail(reason: string): never {
    throw new TextFormatError(this.line, reason);
  }
}

/**
 * Parses a float the way Prometheus does (Go's strconv): decimal, NaN, and ±Inf in any letter
 * case; a decimal beyond the range of a float (`1e309`) is no float.
 */
export function parseFloatValue(token: string): number | undefined {
  if (FLOAT.test(token)) {
    const value = Number(token);
    return Number.isFinite(value) ? value : undefined;
  }
  const lower = token.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (/^\+?inf(inity)?$/.test(lower)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/.test(lower)) return Number.NEGATIVE_INFINITY;
  return undefined;
}

/**
 * Reads one line (without its newline); `line` is its 1-based number, for errors.
 * `reservedLabelNames` takes label names starting with `__` (left to the caller to refuse).
 */
export function parseTextLine(text: string, line: number, reservedLabelNames = false): TextLine {
  const c = new Cursor(text.endsWith("\r") ? text.slice(0, -1) : text, line, reservedLabelNames);
  c.skipBlanks();
  if (c.done) return { kind: "skip" };
  if (c.peek() === "#") return readComment(c);
  return { kind: "sample", sample: readSample(c) };
}

/** `# HELP name text`, `# TYPE name type`, or any other comment (skipped). */
function readComment(c: Cursor): TextLine {
  c.pos++;
  c.skipBlanks();
  const keyword = c.readToken();
  if (keyword !== "HELP" && keyword !== "TYPE") return { kind: "skip" };
  c.skipBlanks();
  if (c.done) return { kind: "skip" }; // a bare "# HELP" is a comment, as Prometheus reads it
  const name = c.readName();
  if (!isValidMetricName(name) || !(c.done || isBlank(c.peek()))) {
    c.fail(`invalid metric name "${name}${c.done ? "" : c.readToken()}" in ${keyword} line`);
  }
  c.skipBlanks();
  if (keyword === "HELP") return { kind: "help", name, help: unescapeHelp(c, c.rest()) };
  const type = c.rest().trimEnd();
  if (type === "") return { kind: "skip" }; // "# TYPE name" without a type says nothing
  if (!(METRIC_TYPES as readonly string[]).includes(type)) c.fail(`unknown metric type "${type}"`);
  return { kind: "type", name, type: type as MetricType };
}

function unescapeHelp(c: Cursor, raw: string): string {
  return raw.replace(/\\(.?)/g, (_, ch: string) => {
    if (ch === "\\") return "\\";
    if (ch === "n") return "\n";
    return c.fail(`invalid escape sequence "\\${ch}" in HELP text`);
  });
}

function readSample(c: Cursor): Sample {
  const name = c.readName();
  const next = c.peek();
  if (!isValidMetricName(name) || !(c.done || next === "{" || isBlank(next))) {
    c.fail(`invalid metric name "${name}${c.done ? "" : c.readToken()}"`);
  }
  const labels: Labels = c.peek() === "{" ? readLabels(c) : {};
  c.skipBlanks();
  const valueToken = c.readToken();
  if (valueToken === "") c.fail(`expected a value after "${name}"`);
  const value = parseFloatValue(valueToken);
  if (value === undefined) c.fail(`expected a float as the value of "${name}", got "${valueToken}"`);
  const sample: Sample = { name, labels, value };
  c.skipBlanks();
  if (c.done) return sample;
  const tsToken = c.readToken();
  if (!INTEGER.test(tsToken)) c.fail(`expected an integer timestamp after the value of "${name}", got "${tsToken}"`);
  sample.timestamp = Number(tsToken);
  c.skipBlanks();
  if (!c.done) c.fail(`unexpected text after the timestamp of "${name}": "${c.rest()}"`);
  return sample;
}

/** `{a="1", b="2",}` — blanks around tokens and one trailing comma allowed. */
function readLabels(c: Cursor): Labels {
  const labels: Labels = {};
  c.pos++;
  c.skipBlanks();
  while (c.peek() !== "}") {
    if (c.done) c.fail("label set not closed with '}'");
    const name = c.readName();
    const reservedTaken = c.reservedLabelNames && name.startsWith("__") && isValidLabelName(`x${name}`);
    if (!isValidLabelName(name) && !reservedTaken) {
      const shown = name + (/^[^=,}\s]*/.exec(c.text.slice(c.pos))?.[0] ?? "");
      c.fail(name.startsWith("__") ? `label name "${name}" is reserved` : `invalid label name "${shown}"`);
    }
    c.skipBlanks();
    if (c.peek() !== "=") c.fail(`expected "=" after label name "${name}"`);
    c.pos++;
    c.skipBlanks();
    if (c.peek() !== '"') c.fail(`expected '"' to open the value of label "${name}"`);
    const value = readQuoted(c, name);
    if (Object.hasOwn(labels, name)) c.fail(`duplicate label name "${name}"`);
    labels[name] = value;
    c.skipBlanks();
    if (c.peek() === ",") {
      c.pos++;
      c.skipBlanks();
    } else if (c.peek() !== "}") {
      c.fail(`expected "," or "}" after the value of label "${name}"`);
    }
  }
  c.pos++;
  return labels;
}

/** A double-quoted label value with the escapes \\ \" \n. */
function readQuoted(c: Cursor, label: string): string {
  c.pos++;
  let out = "";
  for (;;) {
    const ch = c.peek();
    if (ch === undefined) c.fail(`value of label "${label}" not terminated`);
    c.pos++;
    if (ch === '"') return out;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const esc = c.peek();
    c.pos++;
    if (esc === "\\" || esc === '"') out += esc;
    else if (esc === "n") out += "\n";
    else c.fail(`invalid escape sequence "\\${esc ?? ""}" in the value of label "${label}"`);
  }
}
