// yamlLoad against js-yaml's load on what the emitter writes, on random Kubernetes-like objects with
// awkward strings, on that output damaged at random, and on block YAML from a small grammar with odd
// indentation and tokens: the same value, or the same error.
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { expectSameAsJsYaml, PROPERTY_RUNS } from "./test-support-yaml.js";
import { yamlDump } from "./yaml.js";

// A spy around the real load, to count the documents yamlLoad hands to js-yaml.
vi.mock("js-yaml", async (original) => {
  const real = await original<typeof import("js-yaml")>();
  return { ...real, load: vi.fn(real.load) };
});

/** Pieces of strings YAML reads as something else, or has to quote, escape or fold. */
const PIECES = [
  ...["", " ", "  ", "a", "Z", "0", "1", "-1", "1.5", "1e3", ".5", "0x1F", "0o7", "007", "+1", "1_000", "-0"],
  ...["true", "False", "yes", "no", "on", "null", "Null", "~", ":", ": ", " :", "::", "#", " #", "# ", "'", "''"],
  ...['"', "\\", "\\n", "-", "- ", "--- ", "...", "?", "? ", "[", "]", "{", "}", ",", "&a", "*a", "!", "!!str"],
  ...["|", "|-", ">", "%", "@", "`", "<<", "=", "/", "\n", "\n\n", "\n  ", "\t", "\r", "\r\n", "é", "日本", "🚀"],
  ...["\u2028", "\x85", "\xa0", "\ufeff", "\x00", "\x07", "\x7f", "\ud800", "__proto__", "constructor", "x".repeat(80)],
  ...["app.kubernetes.io/name", "nginx:1.25", "100m", "128Mi", "10.0.0.1", "2024-01-01", "2024-01-01T00:00:00Z"],
];
const pieced = fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((p) => p.join(""));
/** Text as ConfigMaps hold it: lines, some indented or blank, with or without a final line break. */
const lines = fc
  .tuple(fc.array(fc.oneof(pieced, fc.constantFrom("", " ", "  key: value", "\tx")), { maxLength: 8 }), fc.boolean())
  .map(([ls, end]) => ls.join("\n") + (end ? "\n" : ""));
const awkward = fc.oneof(
  { weight: 4, arbitrary: pieced },
  { weight: 2, arbitrary: lines },
  { weight: 2, arbitrary: fc.string({ maxLength: 12, unit: "grapheme" }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: "binary" }) },
  { weight: 1, arbitrary: fc.string({ minLength: 200, maxLength: 3000 }) },
);
const key = fc.oneof({ weight: 3, arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9./-]{0,20}$/) }, awkward);
const number = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -0, 2 ** 53, -(2 ** 53), 1e21, 1.5, -1e-7, NaN, -Infinity),
  fc.double(),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 5 },
    fc.oneof(awkward, number, fc.boolean(), fc.constant(null)),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie("value")), { maxLength: 5 }).map((e) => Object.fromEntries(e)),
  ),
}));
const labels = fc.array(fc.tuple(key, awkward), { maxLength: 4 }).map((e) => Object.fromEntries(e));
const kubeObject = fc.record({
  apiVersion: fc.constantFrom("v1", "apps/v1", "example.com/v1alpha1"),
  kind: fc.constantFrom("ConfigMap", "Deployment", "Widget"),
  metadata: fc.record({
    name: fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,30}$/), awkward),
    namespace: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
    labels,
    annotations: labels,
    ownerReferences: fc.array(fc.record({ apiVersion: fc.constant("v1"), kind: fc.string(), uid: fc.uuid() }), {
      maxLength: 2,
    }),
  }),
  data: fc.array(fc.tuple(key, lines), { maxLength: 4 }).map((e) => Object.fromEntries(e)),
  spec: value,
});

/** A Deployment and a ConfigMap as a backup writes them: what the fast path is for. */
function ordinary(i: number): object[] {
  const meta = {
    name: `app-${i}`,
    namespace: `bench-${i % 10}`,
    labels: { app: `app-${i}`, "app.kubernetes.io/part-of": `system-${i}`, tier: "front" },
    annotations: { "bench.kubedump.io/owner": `owner-${i}@example.com`, "deployment.kubernetes.io/revision": "1" },
  };
  const container = { name: "web", image: "nginx:1.25", ports: [{ containerPort: 8080, protocol: "TCP" }] };
  const resources = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: 1, memory: "1Gi" } };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta,
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: `app-${i}` } },
        template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ ...container, resources }] } },
        strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" }, type: "RollingUpdate" },
      },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { ...meta, finalizers: [], ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid: "u-1" }] },
      data: {
        "app.properties": `alpha=${i}\nbravo = two words\n  indented: yes\n\nlast`,
        empty: "",
        "k.json": '{"a": 1}',
      },
      binaryData: { blob: "aGVsbG8=" },
    },
  ];
}

describe("yamlLoad gives exactly what js-yaml's load gives", () => {
  it("on the emitter's YAML of Kubernetes-like objects with awkward strings, numbers and nesting", () => {
    let fellBack = 0;
    let runs = 0;
    fc.assert(
      fc.property(kubeObject, (obj) => {
        runs++;
        if (expectSameAsJsYaml(yamlDump(obj))) fellBack++;
      }),
      { numRuns: PROPERTY_RUNS * 3 },
    );
    expect(fellBack).toBeLessThan(runs); // the fast path answered some of them itself
  });

  it("on the emitter's YAML damaged at random: inserted, replaced and deleted characters", () => {
    const edit = fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...PIECES, " ", "  ", "\n", "- ", ": "));
    fc.assert(
      fc.property(
        fc.oneof(kubeObject, fc.constant(ordinary(7)[1] ?? {})),
        fc.array(edit, { maxLength: 3 }),
        (obj, edits) => {
          let text = yamlDump(obj);
          for (const [at, drop, piece] of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + piece + text.slice(i + drop);
          }
          expectSameAsJsYaml(text);
        },
      ),
      { numRuns: PROPERTY_RUNS * 3 },
    );
  });

  it("without js-yaml on objects as a backup writes them", () => {
    for (let i = 0; i < 50; i++) {
      for (const obj of ordinary(i)) expect(expectSameAsJsYaml(yamlDump(obj))).toBe(false);
    }
  });

  it.each([10, 49, 50, 51, 99, 100, 101, 200])("on mappings and sequences nested %i deep", (depth) => {
    let obj: unknown = { leaf: "x" };
    for (let d = 0; d < depth; d++) obj = d % 3 === 0 ? [obj, 1] : { [`k${d}`]: obj };
    expectSameAsJsYaml(yamlDump({ top: obj }));
  });
});
