// Our text format renderer and parser against prom-client's exposition and Prometheus's own parser
// (promtool), for docs/decisions.md: the gateway re-renders families other processes pushed, which
// prom-client cannot hold (it renders only metrics it collected itself), so packages/metrics has its own.
import { spawnSync } from "node:child_process";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry, Summary } from "prom-client";
import { describe, expect, inject, it } from "vitest";
import { type MetricFamily, parseTextFormat, renderTextFormat } from "./index.js";

const env = inject("testenv");

/** A registry with every metric type, label values needing escapes, and the odd values. */
async function promClientText(): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({
    name: "eq_requests_total",
    help: "Requests.",
    labelNames: ["code", "path"],
    registers,
  });
  requests.inc({ code: "200", path: 'C:\\tmp\\"x"\nnext' }, 1027);
  requests.inc({ code: "400", path: "" }, 3);
  const gauge = new Gauge({
    name: "eq_values",
    help: 'Help with a back\\slash\nand "quotes".',
    labelNames: ["v"],
    registers,
  });
  for (const [v, value] of [
    ["nan", Number.NaN],
    ["inf", Number.POSITIVE_INFINITY],
    ["-inf", Number.NEGATIVE_INFINITY],
    ["tiny", 5e-324],
    ["big", 1.7976931348623157e308],
    ["third", 1 / 3],
  ] as const)
    gauge.set({ v }, value);
  const latency = new Histogram({ name: "eq_latency_seconds", help: "Latency.", buckets: [0.05, 0.5], registers });
  for (const s of [0.01, 0.2, 3]) latency.observe(s);
  const size = new Summary({ name: "eq_size_bytes", help: "Sizes.", percentiles: [0.5, 0.99], registers });
  for (const b of [10, 20, 3000]) size.observe(b);
  collectDefaultMetrics({ register: registry });
  return registry.metrics();
}

/** What prom-client does not produce: timestamps, untyped families, a family without samples. */
const EXTRA: MetricFamily[] = [
  {
    name: "eq_pushed_total",
    help: "Pushed with a timestamp.",
    type: "counter",
    samples: [{ name: "eq_pushed_total", labels: { job: "a/b" }, value: 7, timestamp: 1395066363000 }],
  },
  { name: "eq_untyped", type: "untyped", samples: [{ name: "eq_untyped", labels: {}, value: -0.5 }] },
  { name: "eq_declared_only", help: "No samples.", type: "gauge", samples: [] },
];

/** promtool's verdict on an exposition: exit code and output (lint findings or a parse error). */
function promtool(text: string): { status: number | null; output: string } {
  const run = spawnSync(env.promtool, ["check", "metrics"], { input: text, encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe("the text format against prom-client and Prometheus", () => {
  it("parses prom-client's exposition and renders it back line for line", async () => {
    const text = await promClientText();
    const parsed = parseTextFormat(text);
    expect(parsed.map((f) => f.name)).toEqual(expect.arrayContaining(["eq_requests_total", "eq_size_bytes"]));
    expect(parsed.length).toBeGreaterThan(10);
    // prom-client puts a blank line between families, which the format does not need, and spells
    // NaN "Nan" (Prometheus reads either); ours writes the format's own spelling, NaN.
    expect(text).toMatch(/ Nan$/m);
    expect(renderTextFormat(parsed)).toBe(text.replace(/\n\n/g, "\n").replace(/ Nan$/gm, " NaN"));
  });

  it("writes what Prometheus's own parser reads: promtool finds no parse error in our rendering", async () => {
    const text = renderTextFormat([...parseTextFormat(await promClientText()), ...EXTRA]);
    const ours = promtool(text);
    // promtool exits 3 for lint findings only (e.g. prom-client's help texts), 1 for an error.
    expect([0, 3]).toContain(ours.status);
    expect(ours.output).not.toMatch(/pars/i);
    const broken = promtool(`${text}broken{le="1" 2\n`);
    expect(broken.status).toBe(1);
    expect(broken.output).toMatch(/pars/i);
  });
});
