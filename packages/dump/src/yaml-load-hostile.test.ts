// yamlLoad on YAML the emitter never writes (a snapshot is untrusted input): hand-written hostile
// documents, and block YAML from a small grammar with odd indentation, headers and tokens. Each
// gives what js-yaml's load gives, or the same error; nothing reaches Object.prototype.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { expectSameAsJsYaml, PROPERTY_RUNS } from "./test-support-yaml.js";
import { yamlLoad } from "./yaml-load.js";

vi.mock("js-yaml", async (original) => {
  const real = await original<typeof import("js-yaml")>();
  return { ...real, load: vi.fn(real.load) };
});

const HOSTILE: Record<string, string[]> = {
  "anchors and aliases": ["a: &x 1\nb: *x\n", "a: &x\n  b: 1\nc: *x\n", "a:\n  - &x y\n  - *x\n", "a: *nope\n"],
  tags: ["a: !!str 1\n", "a: !!int '7'\n", "a: !!binary aGk=\n", "a: !custom x\n", "!!map\na: 1\n", "a: ! x\n"],
  "flow style": ["a: [1, 2]\n", "a: {b: 1}\n", "a: [ ]\n", "{a: 1}\n", "a: []x\n", "a: [] \n", "a: {}\n  b: 1\n"],
  "duplicate keys": ["a: 1\na: 2\n", "a: 1\n'a': 2\n", 'a: 1\n"a": 2\n', "m:\n  x: 1\n  x: 2\n", "- a: 1\n  a: 2\n"],
  "__proto__ and other Object.prototype names": [
    "__proto__:\n  polluted: 1\n",
    "'__proto__':\n  polluted: 1\n",
    '"__proto__": {polluted: 1}\n',
    "a:\n  __proto__:\n    polluted: 1\n",
    "a:\n  - __proto__: x\n    b: 1\n",
    "__proto__: 1\n__proto__: 2\n",
    "constructor: x\ntoString: 1\nhasOwnProperty: []\n",
    "constructor:\n  prototype:\n    polluted: 1\n",
  ],
  tabs: ["a:\tb\n", "a: b\tc\n", "\ta: 1\n", "a:\n\t- x\n", "a: |\n  \tx\n", "a: 'x\ty'\n"],
  "CR, CRLF and BOM": ["a: 1\r\nb: 2\r\n", "a: |\r\n  x\r\n", "a: 1\rb: 2\n", "\ufeffa: 1\n", "a: \ufeffb\n"],
  "document markers and directives": [
    ...["---\na: 1\n", "a: 1\n---\nb: 2\n", "a: 1\n...\n", "a: |\n  x\n---\n", "a: |\n  x\n...\n"],
    ...["%YAML 1.2\n---\na: 1\n", "--- a: 1\n", "a: 1\n--- \n", "a:\n  ---\n"],
  ],
  "block scalars": [
    ...["a: |\n  x\n   y\n", "a: |\n   x\n  y\n", "a: |1\n  x\n", "a: |2\n   x\n", "a: |-2\n    x\n", "a: |2-\n  x\n"],
    ...[
      "a: |\n    \n  x\n",
      "a: |\n \n  x\n",
      "a: |\n\n  x\n",
      "a: |\nb: 1\n",
      "a: |\n",
      "a: |0\n  x\n",
      "a: |10\n  x\n",
    ],
    ...["a: |+\n  x\n\n\n", "a: |-\n  x\n\n\nb: 1\n", "a: |\n  x\n \nb: 1\n", "a: |\n  x\n     \nb: 1\n"],
    ...["a: |\n  x\n# c\n", "a: | # c\n  x\n", "a: |-  \n  x\n", "a: >\n  folded\n  text\n", "a: |\n x\n"],
    ...["- |\n  x\n", "a:\n  - |\n    x\n  - y\n", "a:\n  - |\n   x\n", "a:\n  - b: |\n      x\n    c: 1\n"],
  ],
  comments: ["# c\na: 1\n", "a: 1 # c\n", "a: b#c\n", "a: 1\n# c\n", "a:\n  # c\n  b: 1\n", "a: 'x' # c\n"],
  "multi-line scalars": ["a: b\n  c\n", "a:\n  - b\n    c\n", "a: 'b\n  c'\n", 'a: "b\n  c"\n', 'a: "b\\\n  c"\n'],
  "escapes in double quotes": [
    'a: "\\x41\\u00e9\\N\\_\\L\\P\\e\\0\\a\\b\\v\\f\\r\\t\\/\\ \\"\\\\"\n',
    ...['a: "\\U0001F680"\n', 'a: "\\q"\n', 'a: "\\xZZ"\n', 'a: "\\u12"\n', 'a: "\\ud800"\n', 'a: "x\n'],
  ],
  keys: [
    ...["? a\n: 1\n", "a : 1\n", "1: x\n", "-1: x\n", "true: x\n", "True: x\n", "null: x\n", "~: x\n", "0x1F: x\n"],
    ...["'1': x\n", '"a\\nb": 1\n', "a:b: c\n", "a:\n", "a:1\n", " a: 1\n", `${"k".repeat(2000)}: 1\n`, "'a'b: 1\n"],
  ],
  "plain scalars": [
    ...[
      "a: 007\n",
      "a: -0\n",
      "a: 0o17\n",
      "a: 0x1F\n",
      "a: 1e3\n",
      "a: .5\n",
      "a: -.inf\n",
      "a: .nan\n",
      "a: 1_000\n",
    ],
    ...["a: +5\n", "a: 99999999999999999999999\n", `a: 1${"0".repeat(400)}\n`, "a: 2024-01-01\n", "a: True\n"],
    ...["a: yes\n", "a: ~\n", "a: Null\n", "a: -\n", "a: -x\n", "a: -5x\n", "a: :x\n", "a: ?x\n", "a: %x\n", "a: @x\n"],
    ...["a: `x\n", "a: <<\n", "<<: {b: 1}\n", "a: x  \n", "a:  x\n", "a: x: y\n", "a: x:\n", "a: é\n", "a: 🚀 x\n"],
  ],
  indentation: [
    ...["a:\n    b: 1\n", "a:\n  b: 1\n c: 2\n", "a:\n- x\n", "a:\n  - x\n  b: 1\n", "a:\n  -  x\n", "a:\n  -x\n"],
    ...["a:\n  - - x\n    - y\n", "a:\n  - b: 1\n    c: 2\n", "a:\n  - b: 1\n   c: 2\n", "a:\n  - b: 1\n     c: 2\n"],
    ...["a:\n  -\n    b: 1\n", "a:\n  - \n", "a: 1\n  b: 2\n", "a:\n  b: 1\n\nc: 2\n", "a:\n  b: 1\n  \nc: 2\n"],
  ],
  "empty and odd documents": ["", "\n", "a: 1", "a", "- a\n", "x\n", "null\n", "[]\n", "{}\n", "'a'\n", "|\n x\n"],
  "non-printable characters": ["a: \x01\n", "a: \x85\n", "a: \ud800\n", "a: \u2028\n", "a: \uFFFE\n", "a: \0\n"],
};

describe("yamlLoad on YAML the emitter never writes gives what js-yaml gives", () => {
  it.each(Object.entries(HOSTILE))("%s", (_, texts) => {
    for (const text of texts) expectSameAsJsYaml(text);
  });

  it("keeps __proto__ an own key, as js-yaml does, and never touches Object.prototype", () => {
    const value = yamlLoad("__proto__:\n  polluted: 1\na:\n  __proto__:\n    polluted: 2\n") as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__", "a"]);
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toEqual({ polluted: 1 });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(expectSameAsJsYaml("__proto__:\n  polluted: 1\n")).toBe(false); // answered here, not by js-yaml
  });
});

// Block YAML from a grammar: nodes after `key:` or `- ` with indentation steps of 0-3, compact
// sequence entries, literal headers with and without indicators, and scalars of every kind.
const scalar = fc.constantFrom(
  ...["a", "b c", "x:y", "a#b", "1", "-1", "-0", "007", "0x1", "1.5", "null", "True", "~", "[]", "{}", "'q'", "''"],
  ...["'it''s'", '"d\\n"', '"\\x41\\u00e9"', '"\\q"', "é", "100m", "a b ", "a  b", "&a x", "*a", "!!str 1", "x #c"],
  ...["-x", "- x", ":x", "?x", "a:", "2024-01-01"],
);
const key = fc.constantFrom(
  "a",
  "b",
  "k k",
  "__proto__",
  "constructor",
  "'q'",
  '"d"',
  "1",
  "null",
  "x:y",
  "é",
  "'a: b'",
);
const blockLine = fc.tuple(fc.nat({ max: 3 }), fc.constantFrom("", "text", "a: b", "# no", "- x", "  y", " "));
const headers = ["|", "|-", "|+", "|1", "|2", "|3", "|2-", "|-2", "| ", "|\t", ">"];
const block = fc.tuple(
  fc.constantFrom(...headers),
  fc.array(blockLine, { maxLength: 5 }),
  fc.constantFrom(0, 1, 2, 2, 3),
);
type Node = { t: "s"; v: string } | { t: "b"; v: [string, [number, string][], number] } | Coll;
type Coll = { t: "m"; v: [string, Node][]; d: number } | { t: "q"; v: Node[]; d: number };
const step = fc.constantFrom(2, 2, 2, 0, 1, 3);
const { node } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    fc.record({ t: fc.constant("s" as const), v: scalar }),
    fc.record({ t: fc.constant("b" as const), v: block }),
    fc.record({
      t: fc.constant("m" as const),
      v: fc.array(fc.tuple(key, tie("node")), { minLength: 1, maxLength: 4 }),
      d: step,
    }),
    fc.record({ t: fc.constant("q" as const), v: fc.array(tie("node"), { minLength: 1, maxLength: 4 }), d: step }),
  ),
}));

/** `n` after `key:` or `-` at column `col`. */
function render(n: Node, col: number): string {
  if (n.t === "s") return ` ${n.v}\n`;
  if (n.t === "b") {
    const [header, body, extra] = n.v;
    return ` ${header}\n${body.map(([e, t]) => `${" ".repeat(t === "" ? e : col + extra + e)}${t}\n`).join("")}`;
  }
  const ind = col + n.d;
  if (n.t === "m") return `\n${n.v.map(([k, c]) => `${" ".repeat(ind)}${k}:${render(c, ind)}`).join("")}`;
  return `\n${n.v.map((c) => `${" ".repeat(ind)}-${entry(c, ind)}`).join("")}`;
}

/** A sequence entry after its dash at column `ind`, compact when its collection steps by more than 0. */
function entry(n: Node, ind: number): string {
  const pad = (i: number) => (i ? " ".repeat(ind + 2) : "");
  if (n.t === "m" && n.d) return ` ${n.v.map(([k, c], i) => `${pad(i)}${k}:${render(c, ind + 2)}`).join("")}`;
  if (n.t === "q" && n.d) return ` ${n.v.map((c, i) => `${pad(i)}-${entry(c, ind + 2)}`).join("")}`;
  return render(n, ind);
}

it("yamlLoad gives what js-yaml gives on block YAML with odd indentation, headers and tokens", () => {
  const doc = fc
    .array(fc.tuple(key, node), { minLength: 1, maxLength: 4 })
    .map((entries) => entries.map(([k, n]) => `${k}:${render(n, 0)}`).join(""));
  let answered = 0;
  fc.assert(
    fc.property(doc, (text) => {
      if (!expectSameAsJsYaml(text)) answered++;
    }),
    { numRuns: PROPERTY_RUNS * 10 },
  );
  expect(answered).toBeGreaterThan(0); // some documents were the fast path's to answer
});
