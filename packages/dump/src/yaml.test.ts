import { dump, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { isSimple, SIMPLE, yamlBytes, yamlDump } from "./yaml.js";

const OPTS = { noRefs: true, lineWidth: -1, sortKeys: false } as const;
const shapes = (s: string): object[] => [
  { k: s },
  { [s || "e"]: 1 },
  { a: { b: [s, { c: s, d: [s] }] }, l: [[s, s], []], e: {} },
  { a: [{ x: { y: s } }] },
];

const PICKED = [
  "a",
  "yes",
  "no",
  "on",
  "y",
  "true",
  "123",
  "1.0",
  "100m",
  "25%",
  "2026-11-26",
  "",
  " lead",
  "trail ",
  "a: b",
  "a #b",
  "a#b",
  "reg.io/app:1.0",
  "~",
  "null",
  "*x",
  "&x",
  "it's",
  "héllo",
  "a\tb",
  "line1\nline2\n",
  "x\n\n",
  " lead\nx",
  "\nfirst",
  "a\n b",
  "a \nb",
  "---\nx",
  "x\n---\ny",
  "...",
  "0777",
  "0x1F",
  "1_000",
  "-1",
  "-",
  "=",
  "<<",
  "_x",
  "1e3",
  ".inf",
  ".",
  "1.2.3",
  "a:",
  "1:20",
  "key: value\n",
  "\u2028",
  "\u0085",
  "\x7f",
  "a\u00a0b",
  "multi\nline with: colon\n  indented\n",
  "{json}",
  "[x]",
  "a,b",
  "a, b",
  "?x",
  "!tag",
  "%x",
  "@x",
  "`x",
  "|x",
  ">x",
  '"q"',
  "a  b",
  "A B C",
  "Yes please",
  "x:y:z",
  "/path/to",
  "(x)",
  "a=b",
  "\ttab",
  "trailing\n\n\n",
  "🚀 rocket",
  "\ud800",
  "\r\n",
  '{"a": 1}',
];

/** Pieces of YAML's special characters and words; random strings are made of them. */
const RANDOM_POOL = [
  "a",
  "b",
  "Z",
  "0",
  "1",
  "9",
  " ",
  "\n",
  ":",
  "#",
  "-",
  "?",
  ",",
  "[",
  "]",
  "{",
  "}",
  "&",
  "*",
  "!",
  "|",
  ">",
  "'",
  '"',
  "%",
  "@",
  "`",
  ".",
  "_",
  "/",
  "=",
  "~",
  "+",
  "(",
  ")",
  "e",
  "x",
  "\t",
  "é",
  "\u2028",
  "\x85",
  "yes",
  "no",
  "true",
  "null",
  "0x",
  "1e",
  "---",
  "...",
  "<<",
  "\r",
];
/** Pieces of plain scalars, their separators and the words YAML 1.1 reads as booleans or null. */
const PLAIN_POOL = [
  "a",
  "Z",
  "_",
  "/",
  "0",
  "9",
  ".",
  "@",
  "%",
  "+",
  "=",
  "(",
  ")",
  "~",
  "-",
  ":",
  " ",
  "::",
  "  ",
  "#",
  ",",
  "é",
  "\n",
  "yes",
  "No",
  "true",
  "FALSE",
  "null",
  "y",
  "on",
];

/** Lines of multi-line strings: printable ASCII, blank, indented, with indicators, non-ASCII, control characters. */
const LINES = [
  "alpha=7161 november=14725",
  "x",
  "",
  " indented",
  "  two",
  "trailing ",
  "# comment",
  "key: value",
  "- item",
  "|",
  "...",
  "---",
  "'q'",
  '"q"',
  "a  b",
  "é ü",
  "tab\there",
  "\r",
  "\x7f",
  "\u2028",
];
const LINE_POOL = [...LINES.map((l) => `${l}\n`), ...LINES.filter((l) => l !== "")];

/** `count` strings of fewer than `maxPieces` pieces of `pool` each, the same ones on every run (`seed`). */
function* randomStrings(pool: readonly string[], count: number, maxPieces: number, seed: number): Generator<string> {
  // xorshift32: a multiplying generator in doubles loses its low bits (2,000 distinct strings of 20,000)
  let x = seed >>> 0 || 1;
  const rnd = (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
  for (let i = 0; i < count; i++) {
    let s = "";
    for (let j = rnd(maxPieces); j > 0; j--) s += pool[rnd(pool.length)];
    yield s;
  }
}

describe("yamlDump is byte-identical to js-yaml", () => {
  it.each(PICKED)("for %j in every position", (s) => {
    for (const o of shapes(s)) expect(yamlDump(o)).toBe(dump(o, OPTS));
  });

  it("for numbers, booleans and nulls", () => {
    const o = { a: 1.5, b: -0, c: 1e21, d: 1e-7, e: null, f: true, g: [null, false, 0], h: 2 ** 53, i: -42 };
    expect(yamlDump(o)).toBe(dump(o, OPTS));
  });

  it("for 20,000 random strings of YAML's special characters in every position, which also load back equal", () => {
    const differ: string[] = [];
    for (const s of randomStrings(RANDOM_POOL, 20_000, 10, 42)) {
      const value = { k: s, l: [s, { m: s }] };
      const loadsBack = JSON.stringify(load(yamlDump(value))) === JSON.stringify(value);
      if (!loadsBack || shapes(s).some((o) => yamlDump(o) !== dump(o, OPTS))) differ.push(s);
    }
    expect(differ).toEqual([]);
  });

  it("for 20,000 random multi-line strings (literal blocks and js-yaml's cases) in every position", () => {
    const differ: string[] = [];
    for (const s of randomStrings(LINE_POOL, 20_000, 8, 11)) {
      if (shapes(s).some((o) => yamlDump(o) !== dump(o, OPTS))) differ.push(s);
    }
    expect(differ).toEqual([]);
  });

  it("yamlBytes is the UTF-8 of js-yaml's text, ASCII or not, in keys and values", () => {
    const differ: string[] = [];
    const pools = [RANDOM_POOL, LINE_POOL, PLAIN_POOL];
    pools.forEach((pool, p) => {
      for (const s of randomStrings(pool, 5_000, 8, 3 + p)) {
        for (const o of [...shapes(s), { [`${s}k`]: { [s]: s } }]) {
          if (!yamlBytes(o).equals(Buffer.from(dump(o, OPTS), "utf8"))) differ.push(s);
        }
      }
    });
    expect(differ).toEqual([]);
    // a document of ASCII only after one that was not, and the other way round
    for (const o of [{ é: "ü" }, { a: "b" }, { a: "ü\n\n" }, { a: "b\n" }])
      expect(yamlBytes(o)).toEqual(Buffer.from(dump(o, OPTS), "utf8"));
  });

  it("writes plain exactly the strings the SIMPLE pattern it replaced matches and js-yaml writes plain, on 200,000 random strings", () => {
    const mismatches: string[] = [];
    for (const s of randomStrings(PLAIN_POOL, 200_000, 8, 7)) {
      if (isSimple(s) !== (SIMPLE.test(s) && dump(s, OPTS) === `${s}\n`)) mismatches.push(s);
    }
    expect(mismatches).toEqual([]);
  });
});
