// Checks the YAML emitter of packages/dump against js-yaml: hand-picked and random strings in every position, and,
// with KUBECONFIG set, every sanitized object in the bench-* namespaces (also timed).
//   node test/bench/experiments/check-fast-yaml.mjs
//   KUBECONFIG=/path/to/kubeconfig node test/bench/experiments/check-fast-yaml.mjs
import { compileFilters, yamlDump as fastDump, sanitize } from "@kubedump/dump";
import { createKubeClient, discoverResources, listPages } from "@kubedump/kube";
import { dump, load } from "js-yaml";

const OPTS = { noRefs: true, lineWidth: -1, sortKeys: false };
let cases = 0;
let identical = 0;
let roundTrips = 0;
const diffs = [];
const notRoundTrip = [];
function check(obj) {
  cases++;
  const want = dump(obj, OPTS);
  const got = fastDump(obj);
  if (want === got) identical++;
  else if (diffs.length < 5) diffs.push({ obj: JSON.stringify(obj), want, got });
  let back;
  try {
    back = JSON.stringify(load(got));
  } catch (err) {
    back = `load error: ${err.message.split("\n")[0]}`;
  }
  if (back === JSON.stringify(obj)) roundTrips++;
  else if (notRoundTrip.length < 5 && !notRoundTrip.some((d) => d.yaml === got))
    notRoundTrip.push({ obj: JSON.stringify(obj), yaml: got, back });
}
const shapes = (s) => [
  { k: s },
  { [s || "e"]: 1 },
  { a: { b: [s, { c: s, d: [s] }] }, l: [[s, s], []], e: {} },
  { a: [{ x: { y: s } }] },
];

const picked = [
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
for (const s of picked) for (const o of shapes(s)) check(o);
check({ a: 1.5, b: -0, c: 1e21, d: 1e-7, e: null, f: true, g: [null, false, 0], h: 2 ** 53 });

const pool = [
  "a",
  "b",
  "Z",
  "0",
  "1",
  "9",
  " ",
  " ",
  "\n",
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
let seed = 42;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
for (let i = 0; i < 50_000; i++) {
  let s = "";
  for (let j = rnd(10); j > 0; j--) s += pool[rnd(pool.length)];
  for (const o of shapes(s)) check(o);
}
console.log(`strings: ${identical}/${cases} byte-identical with js-yaml, ${roundTrips}/${cases} load back equal`);
for (const d of diffs) console.log("differs from js-yaml:", d);
// Byte-identical to js-yaml's, so js-yaml's own output does not load back either: a top-level key
// starting with "--- " is written plain and read as a document marker (unreachable for Kubernetes
// objects, whose top-level keys are apiVersion, kind, metadata, spec, ...).
for (const d of notRoundTrip) console.log("does not load back equal:", d);

if (process.env.KUBECONFIG) {
  const client = createKubeClient({ kubeconfig: process.env.KUBECONFIG, qps: 0 });
  const { resources } = await discoverResources(client);
  const filters = compileFilters({ scope: { type: "cluster" }, includeNamespaces: ["bench-*"] }, resources);
  const objects = [];
  for (const rt of filters.resources) {
    for await (const page of listPages(client, rt))
      for (const o of page) if (filters.keep(o, rt)) objects.push(sanitize(o));
  }
  client.close();
  let same = 0;
  for (const o of objects) if (dump(o, OPTS) === fastDump(o)) same++;
  console.log(`bench objects: ${same}/${objects.length} byte-identical`);
  for (let round = 1; round <= 3; round++) {
    let t = performance.now();
    for (const o of objects) dump(o, OPTS);
    const slow = performance.now() - t;
    t = performance.now();
    for (const o of objects) fastDump(o);
    const fast = performance.now() - t;
    const per = (ms) => `${((ms * 1000) / objects.length).toFixed(1)} µs/object`;
    console.log(
      `round ${round}: js-yaml ${slow.toFixed(0)} ms (${per(slow)}), fast-yaml ${fast.toFixed(0)} ms (${per(fast)}): ${(slow / fast).toFixed(1)}x`,
    );
  }
}
