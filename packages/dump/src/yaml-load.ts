// A fast YAML loader for what yaml.ts writes (block mappings and sequences, plain, quoted and literal
// scalars, [] and {}), returning exactly js-yaml's load(text) (its default core schema): js-yaml
// parses whatever this does not recognise. docs/decisions.md ("YAML loader instead of js-yaml's
// `load`") says why; yaml-load.test.ts checks the equality on emitter output and on hostile YAML.
import { load } from "js-yaml";

/** Thrown inside the fast path when the text leaves the subset; one object, so no stack is captured. */
const OUTSIDE = new Error("outside the subset of the YAML emitter");
/**
 * Anything but a line feed and the printable characters YAML reads as themselves: tabs, CR, BOM,
 * NEL, controls and lone surrogates all go to js-yaml.
 */
const ODD_CHAR = /[^\n\x20-\x7E\xA0-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** js-yaml's nesting limit is 100 nodes; deeper than this is left to it. */
const MAX_DEPTH = 50;
// js-yaml's core-schema patterns for plain scalars that start with a digit or '-'.
const DECIMAL = /^-?[0-9]+$/;
const CORE_INT = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?[0-9]+)$/;
const CORE_FLOAT =
  /^(?:[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const WORDS = new Map<string, boolean | null>([
  ...["null", "Null", "NULL"].map((w) => [w, null] as const),
  ...["true", "True", "TRUE"].map((w) => [w, true] as const),
  ...["false", "False", "FALSE"].map((w) => [w, false] as const),
]);
/** Characters a plain scalar here may start with: not an indicator, and not '-', '+', '.', '~' or ':'. */
const NOT_FIRST = new Uint8Array(128);
for (const c of " \n#&*!|>'\"%@`,[]{}?:-+.~") NOT_FIRST[c.charCodeAt(0)] = 1;
/** js-yaml's one-character escapes in double-quoted scalars: `\0` is NUL, `\N` NEL, `\_` NBSP, `\L` and `\P` U+2028/9. */
const ESCAPED = '0abtnvfre "/\\N_LP';
const UNESCAPED = '\0\x07\b\t\n\v\f\r\x1b "/\\\x85\xa0\u2028\u2029';
const ESCAPES = new Map([...ESCAPED].map((c, i) => [c.charCodeAt(0), UNESCAPED[i] as string]));

let src = "";
let pos = 0;

/** The value of one YAML document, as js-yaml's `load(text)` returns it (or throws). */
export function yamlLoad(text: string): unknown {
  if (text.endsWith("\n") && !ODD_CHAR.test(text)) {
    try {
      src = text;
      pos = 0;
      const value = mapping(0, 1);
      if (pos === src.length) return value;
    } catch {
      // Outside the subset (or a defect here): js-yaml decides.
    } finally {
      src = "";
    }
  }
  return load(text);
}

const spaces = (p: number): number => {
  let n = 0;
  while (src.charCodeAt(p + n) === 32) n++;
  return n;
};

/** After a node that ends its line: stay in a collection at `ind` (true), or leave it (false). */
function nextAt(ind: number): boolean {
  if (pos >= src.length) return false;
  const n = spaces(pos);
  if (n > ind) throw OUTSIDE; // a continuation line or bad indentation
  if (n < ind) return false;
  pos += n;
  return true;
}

/** A block mapping whose keys are at column `ind`; `pos` is at its first key. */
function mapping(ind: number, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw OUTSIDE;
  const obj: Record<string, unknown> = {};
  do {
    const key = readKey();
    let value: unknown;
    if (src.charCodeAt(pos) === 32) {
      pos++;
      value = inlineValue(ind);
    } else {
      pos++;
      value = nested(ind, depth);
    }
    if (Object.hasOwn(obj, key)) throw OUTSIDE; // js-yaml: "duplicated mapping key"
    // As js-yaml's map tag does: an own property, never the prototype.
    if (key === "__proto__")
      Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
    else obj[key] = value;
  } while (nextAt(ind));
  return obj;
}

/** A block sequence whose dashes are at column `ind`; `pos` is at its first dash. */
function sequence(ind: number, depth: number): unknown[] {
  if (depth > MAX_DEPTH) throw OUTSIDE;
  const arr: unknown[] = [];
  do {
    if (src.charCodeAt(pos) !== 45 || src.charCodeAt(pos + 1) !== 32) throw OUTSIDE;
    pos += 2;
    arr.push(item(ind, depth));
  } while (nextAt(ind));
  return arr;
}

/** The collection on the lines after `key:`, indented two more than the key. */
function nested(ind: number, depth: number): unknown {
  const n = spaces(pos);
  if (n !== ind + 2) throw OUTSIDE;
  pos += n;
  const isSeq = src.charCodeAt(pos) === 45 && src.charCodeAt(pos + 1) === 32;
  return isSeq ? sequence(ind + 2, depth + 1) : mapping(ind + 2, depth + 1);
}

/** A sequence entry after its `- ` (the dash at column `ind`): a compact collection or a value. */
function item(ind: number, depth: number): unknown {
  const c = src.charCodeAt(pos);
  if (c === 45 && src.charCodeAt(pos + 1) === 32) return sequence(ind + 2, depth + 1);
  // A key (quoted or plain, then ': ' or ':' and a line feed) starts a compact mapping.
  if (c === 39 || c === 34 || c >= 128 || NOT_FIRST[c] !== 1) {
    const start = pos;
    if (c === 39 || c === 34) quoted();
    else pos = plainEnd(pos);
    const isKey = src.charCodeAt(pos) === 58;
    pos = start;
    if (isKey) return mapping(ind + 2, depth + 1);
  }
  return inlineValue(ind);
}

/** A mapping key, `pos` left after its ':' (at the space or line feed that must follow). */
function readKey(): string {
  const c = src.charCodeAt(pos);
  let key: string;
  if (c === 39 || c === 34) key = quoted();
  else {
    const end = plainEnd(pos);
    key = src.slice(pos, end);
    if (typeof resolvePlain(key) !== "string") throw OUTSIDE; // js-yaml would turn null, 1, true into text
    pos = end;
  }
  const next = src.charCodeAt(pos + 1);
  if (src.charCodeAt(pos) !== 58 || (next !== 32 && next !== 10)) throw OUTSIDE;
  pos++;
  return key;
}

/** A value that starts on the current line (after `key: ` or `- `); `ind` is the key's or dash's column. */
function inlineValue(ind: number): unknown {
  const c = src.charCodeAt(pos);
  let value: unknown;
  if (c === 39 || c === 34) value = quoted();
  else if (c === 124) return literal(ind);
  else if (c === 91 || c === 123) {
    if (src.charCodeAt(pos + 1) !== c + 2) throw OUTSIDE; // only [] and {}
    pos += 2;
    value = c === 91 ? [] : {};
  } else {
    const end = plainEnd(pos);
    value = resolvePlain(src.slice(pos, end));
    pos = end;
  }
  if (src.charCodeAt(pos) !== 10) throw OUTSIDE;
  pos++;
  return value;
}

/**
 * Where a one-line plain scalar starting at `p` ends: at a ':' before a space or line feed, or at
 * the line feed. A first character that starts something else, ' #', or trailing spaces leave the subset.
 */
function plainEnd(p: number): number {
  const c0 = src.charCodeAt(p);
  if (c0 < 128 && NOT_FIRST[c0] === 1) {
    const c1 = src.charCodeAt(p + 1);
    if (c0 !== 45 || c1 < 48 || c1 > 57) throw OUTSIDE; // '-' only before a digit
  }
  let i = p;
  for (;;) {
    const c = src.charCodeAt(i);
    if (c === 10 || i >= src.length) break;
    if (c === 58) {
      const n = src.charCodeAt(i + 1);
      if (n === 32 || n === 10) break;
    } else if (c === 35 && src.charCodeAt(i - 1) === 32) throw OUTSIDE;
    i++;
  }
  if (i === p || src.charCodeAt(i - 1) === 32) throw OUTSIDE;
  return i;
}

/** A plain scalar's value under js-yaml's core schema; floats and non-decimal integers leave the subset. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45) {
    if (DECIMAL.test(s)) {
      const v = (c === 45 ? -1 : 1) * Number.parseInt(c === 45 ? s.slice(1) : s, 10);
      if (Number.isFinite(v)) return v;
      throw OUTSIDE;
    }
    if (CORE_INT.test(s) || CORE_FLOAT.test(s)) throw OUTSIDE;
    return s;
  }
  if (s.length <= 5) {
    const word = WORDS.get(s);
    if (word !== undefined) return word;
  }
  return s;
}

/** A one-line single- or double-quoted scalar at `pos`; `pos` is left after its closing quote. */
function quoted(): string {
  const q = src.charCodeAt(pos);
  let out = "";
  let from = ++pos;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 10 || Number.isNaN(c)) throw OUTSIDE; // a multi-line or unterminated scalar
    if (c === q) {
      out += src.slice(from, pos);
      pos++;
      if (q === 34 || src.charCodeAt(pos) !== 39) return out;
      out += "'"; // '' in a single-quoted scalar
      from = ++pos;
    } else if (c === 92 && q === 34) {
      out += src.slice(from, pos) + escaped(src.charCodeAt(pos + 1));
      from = pos;
    } else pos++;
  }
}

/** The character of the escape `\e` at `pos`, leaving `pos` after it. */
function escaped(e: number): string {
  const simple = ESCAPES.get(e);
  if (simple !== undefined) {
    pos += 2;
    return simple;
  }
  const digits = e === 120 ? 2 : e === 117 ? 4 : 0; // \x, \u; \U and escaped line breaks leave the subset
  const hex = src.slice(pos + 2, pos + 2 + digits);
  if (digits === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== digits) throw OUTSIDE;
  pos += 2 + digits;
  return String.fromCharCode(Number.parseInt(hex, 16));
}

/** A literal block scalar (`|`, `|-`, `|+`, with or without an indentation indicator) of a node at column `ind`. */
function literal(ind: number): string {
  const header = /^\|([1-9]?)([-+]?)\n/.exec(src.slice(pos, pos + 4));
  if (!header) throw OUTSIDE;
  pos += header[0].length;
  let indent = header[1] ? ind + Number(header[1]) : -1; // js-yaml: its parent's column + 1 + indicator - 1
  let leading = 0; // the longest blank line before the first line of text
  let text = "";
  let read = false; // a line of text was read
  let blank = 0; // blank lines since the last line of text
  while (pos < src.length) {
    const n = spaces(pos);
    const eol = src.indexOf("\n", pos + n);
    if (eol === pos + n && (indent < 0 || n <= indent)) {
      if (indent < 0) leading = Math.max(leading, n);
      blank++;
      pos = eol + 1;
      continue;
    }
    if (indent < 0) {
      if (n <= ind || n < leading) throw OUTSIDE; // an empty scalar, or js-yaml's "bad indentation"
      indent = n;
    } else if (n < indent) break; // a line of the parent
    text += (read ? "\n".repeat(blank + 1) : "\n".repeat(blank)) + src.slice(pos + indent, eol);
    read = true;
    blank = 0;
    pos = eol + 1;
  }
  if (indent < 0) throw OUTSIDE;
  if (header[2] === "+") return text + "\n".repeat(read ? blank + 1 : blank);
  return header[2] === "-" || !read ? text : `${text}\n`;
}
