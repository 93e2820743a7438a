// A fast YAML emitter for JSON data (what the API server returns), faster than js-yaml
// (docs/benchmarks.md, "What moved it" and "Figures that were code comments") and byte-identical
// to js-yaml's dump(obj, { noRefs: true, lineWidth: -1, sortKeys: false }): structure, simple
// strings, integers and multi-line ASCII are written directly; every other scalar is rendered by
// js-yaml itself (short ones memoised). yaml.test.ts checks the byte equality on real objects and
// on generated strings.
import { dump } from "js-yaml";

const OPTS = { noRefs: true, lineWidth: -1, sortKeys: false } as const;
// One-line strings that are plain scalars in YAML 1.1 and 1.2 and resolve to nothing but a string;
// the first character is a letter, '_' or '/', so numbers, timestamps and indicators never match.
export const SIMPLE = /^[A-Za-z_/][\w./@%+=()~-]*(?::[\w./@%+=()~-]+)*(?: [\w./@%+=()~-]+(?::[\w./@%+=()~-]+)*)*$/;
const RESERVED = new Set([
  "y",
  "Y",
  "yes",
  "Yes",
  "YES",
  "n",
  "N",
  "no",
  "No",
  "NO",
  "true",
  "True",
  "TRUE",
  "false",
  "False",
  "FALSE",
  "on",
  "On",
  "ON",
  "off",
  "Off",
  "OFF",
  "null",
  "Null",
  "NULL",
]);
/** Characters of SIMPLE's words: [\w./@%+=()~-]. */
const WORD = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./@%+=()~-") WORD[c.charCodeAt(0)] = 1;
const isWord = (c: number): boolean => c < 128 && WORD[c] === 1;

/**
 * SIMPLE.test(s) && !RESERVED.has(s), as a scan (the regexp was the emitter's largest cost): a
 * letter, '_' or '/', then words separated by single ':' or ' '.
 */
export function isSimple(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122) || c0 === 95 || c0 === 47)) return false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (isWord(c)) continue;
    if ((c !== 58 && c !== 32) || i + 1 >= n || !isWord(s.charCodeAt(i + 1))) return false; // a separator is followed by a word
    i++;
  }
  return n > 5 || !RESERVED.has(s);
}
const ASCII_LINES = /^[\x20-\x7E\n]*$/;
const ASCII_LINE = /^[\x20-\x7E]+$/;
/** Lines of printable ASCII, none blank, the first not starting with a space; a final break or not. */
const LITERAL_LINES = /^[\x21-\x7E][\x20-\x7E]*(?:\n[\x20-\x7E]+)*\n?$/;
// Leading space or indicator, trailing space or colon, ": " or " #" inside.
const NOT_PLAIN = /^[ ,[\]{}#&*!|>'"%@`]|[ :]$|: | #/;
/** js-yaml's rendering of short one-line strings that are not simple (quantities like 100m, '25%'). */
const memo = new Map<string, string>();
const pads = [""];
const pad = (n: number): string => {
  while (pads.length <= n) pads.push(" ".repeat(pads.length));
  return pads[n]!;
};

/**
 * Keys repeat across objects (field names, label keys), so their rendering is memoised, with the
 * line break before them, the indentation and what follows the colon: a line is then two
 * concatenations instead of six. Lines are written break first (the document's first break is cut
 * off at the end), so a scalar's line is its key's text and the scalar.
 */
interface KeyLines {
  /** `\n${pad(ind)}${key}: ` at [ind + 1], `${key}: ` at [0]: a scalar or an empty collection follows. */
  inline: string[];
  /** `\n${pad(ind)}${key}:` at [ind + 1], `${key}:` at [0]: a collection's lines follow. */
  block: string[];
  text: string;
  /** Whether `text` is all ASCII. */
  ascii: boolean;
}
const keys = new Map<string, KeyLines>();

function keyLines(k: string): KeyLines {
  let lines = keys.get(k);
  if (lines !== undefined) return lines;
  let text: string;
  if (isSimple(k)) text = k;
  else {
    const out = dump({ [k]: 0 }, OPTS);
    if (!out.endsWith(": 0\n") || out.startsWith("?")) throw new Error("complex key");
    text = out.slice(0, -4);
  }
  if (keys.size >= 50_000) keys.clear();
  lines = { inline: [`${text}: `], block: [`${text}:`], text, ascii: !NON_ASCII.test(text) };
  keys.set(k, lines);
  return lines;
}

/** list[at], or `\n${pad(at - 1)}${text}${tail}` memoised there: a line's start at column at - 1. */
function lineStart(list: string[], at: number, text: string, tail: string): string {
  let line = list[at];
  if (line === undefined) {
    line = `\n${pad(at - 1)}${text}${tail}`;
    list[at] = line;
  }
  return line;
}
/** `at` is 0 for a key right after a dash, else its column + 1. */
const inlineKey = (lines: KeyLines, at: number): string => lineStart(lines.inline, at, lines.text, ": ");
const blockKey = (lines: KeyLines, at: number): string => lineStart(lines.block, at, lines.text, ":");
/** `\n${pad(ind)}- `: a sequence item's dash on its own line. */
const dashes: string[] = [];
const dash = (ind: number): string => lineStart(dashes, ind + 1, "", "- ");

let keepAtEnd = false;
/** Whether the document written so far is all ASCII: what the emitter writes itself is, js-yaml's text may not be. */
let ascii = true;
const NON_ASCII = /[^\x00-\x7F]/;

/** A scalar whose node starts at column `ind` (its key's or its dash's column). */
function scalarText(v: unknown, ind: number): string {
  keepAtEnd = false;
  if (typeof v === "string") {
    if (isSimple(v)) return v;
    if (v === "") return "''";
    if (v.includes("\n")) {
      // The common multi-line string in one test: printable ASCII lines, none blank, not indented.
      if (LITERAL_LINES.test(v)) {
        const indent = pad(ind + 2);
        return v.endsWith("\n")
          ? `|\n${indent}${v.slice(0, -1).replaceAll("\n", `\n${indent}`)}`
          : `|-\n${indent}${v.replaceAll("\n", `\n${indent}`)}`;
      }
    } else if (ASCII_LINE.test(v)) {
      // Certainly not a plain scalar, so js-yaml single-quotes it.
      if (NOT_PLAIN.test(v) && !/^ +$/.test(v)) return `'${v.replaceAll("'", "''")}'`;
      if (v.length <= 64) {
        let r = memo.get(v);
        if (r === undefined) {
          if (memo.size >= 50_000) memo.clear();
          r = dump({ k: v }, OPTS).slice(3, -1);
          memo.set(v, r);
        }
        return r;
      }
    }
    // Multi-line printable ASCII → a literal block, as js-yaml does with lineWidth -1; the cases
    // that need an indentation indicator or "keep" chomping go to js-yaml.
    if (
      v.includes("\n") &&
      ASCII_LINES.test(v) &&
      v[0] !== " " &&
      v[0] !== "\n" &&
      !v.endsWith("\n\n") &&
      !/^\s+$/.test(v)
    ) {
      const body = v.endsWith("\n") ? v.slice(0, -1) : v;
      const indent = pad(ind + 2);
      // Blank lines stay empty; without any, every line break is followed by a line to indent
      // (a plain replaceAll is twice as fast as the lookahead).
      const indented = body.includes("\n\n")
        ? body.replace(/\n(?=[^\n])/g, `\n${indent}`)
        : body.replaceAll("\n", `\n${indent}`);
      return `|${v.endsWith("\n") ? "" : "-"}\n${indent}${indented}`;
    }
    // Rendered as the value of a key at column 0, so block scalar content sits 2 columns in.
    ascii = false;
    let out = dump({ k: v }, OPTS).slice(3, -1);
    // A "keep" block scalar at the end of a document gets an explicit document end marker.
    if (out.endsWith("\n...")) {
      out = out.slice(0, -4);
      keepAtEnd = true;
    }
    return out.includes("\n") ? out.replace(/\n(?=[^\n])/g, `\n${pad(ind)}`) : out;
  }
  if (typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 1e21 && !Object.is(v, -0)) return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  ascii = false;
  return dump({ k: v }, OPTS).slice(3, -1);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object";

/** The member `k: v` of a map whose keys sit at column `ind`; `at` as for inlineKey. */
function member(k: string, v: unknown, ind: number, at: number, out: string): string {
  keepAtEnd = false;
  const lines = keyLines(k);
  if (!lines.ascii) ascii = false;
  if (v === null) return `${out}${inlineKey(lines, at)}null`;
  if (Array.isArray(v))
    return v.length ? seq(v, ind + 2, false, out + blockKey(lines, at)) : `${out}${inlineKey(lines, at)}[]`;
  if (isObj(v)) {
    for (const _ in v) return map(v, ind + 2, false, out + blockKey(lines, at));
    return `${out}${inlineKey(lines, at)}{}`;
  }
  return out + inlineKey(lines, at) + scalarText(v, ind);
}

function map(obj: Obj, ind: number, inline: boolean, out: string): string {
  let at = inline ? 0 : ind + 1;
  for (const k in obj) {
    const v = obj[k];
    if (v === undefined) continue;
    out = member(k, v, ind, at, out);
    at = ind + 1;
  }
  return out;
}

function seq(arr: unknown[], ind: number, inline: boolean, out: string): string {
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    keepAtEnd = false;
    out += i === 0 && inline ? "- " : dash(ind);
    if (Array.isArray(v)) out = v.length ? seq(v, ind + 2, true, out) : `${out}[]`;
    else if (isObj(v)) {
      let empty = true;
      for (const _ in v) {
        empty = false;
        break;
      }
      out = empty ? `${out}{}` : map(v, ind + 2, true, out);
    } else out += v === null ? "null" : scalarText(v, ind);
  }
  return out;
}

/** YAML of a JSON value, byte-identical to js-yaml `dump(obj, OPTS)`; js-yaml renders whatever this does not handle itself. */
export function yamlDump(obj: object): string {
  ascii = true;
  try {
    keepAtEnd = false;
    const lines = map(obj as Obj, 0, false, "");
    if (lines === "") return "";
    // the first line's break cut off, the last line's added
    return keepAtEnd ? `${lines.slice(1)}\n...\n` : `${lines.slice(1)}\n`;
  } catch {
    ascii = false;
    return dump(obj, OPTS);
  }
}

/**
 * yamlDump's text as UTF-8 bytes. A document known to be all ASCII is copied as latin1 (the same
 * bytes), which spares Buffer.from the scan that measures UTF-8.
 */
export function yamlBytes(obj: object): Buffer {
  const text = yamlDump(obj);
  return Buffer.from(text, ascii ? "latin1" : "utf8");
}
