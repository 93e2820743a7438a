import { Counter, Histogram, Pushgateway, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { startGateway } from "../test-support.js";
import { expectNoPromtoolErrors, promtoolCheck } from "./suite.js";

const metricsOf = async (url: string): Promise<string> => (await fetch(`${url}/metrics`)).text();

describe("promtool check metrics", () => {
  it("finds no error in a gateway's /metrics, and well-formed pushes add no lint problem", async () => {
    const { url } = await startGateway();
    const fresh = await promtoolCheck(await metricsOf(url));
    expectNoPromtoolErrors(fresh); // prom-client's own default gauges named *_total are linted, not wrong
    const registers = [new Registry()];
    new Counter({ name: "pt_runs_total", help: "Runs.", registers }).inc(2);
    new Histogram({ name: "pt_seconds", help: "Time.", buckets: [1], registers }).observe(0.5);
    const [registry] = registers as [Registry];
    for (const instance of ["a", "b"]) {
      await new Pushgateway(url, {}, registry).push({ jobName: "pt", groupings: { instance } });
    }
    const pushed = await metricsOf(url);
    expect(pushed).toContain('pt_seconds_bucket{instance="b",job="pt",le="+Inf"} 1');
    expect(await promtoolCheck(pushed)).toEqual(fresh);
  });

  it("tells a series served twice, and text that does not parse, from a pusher's missing HELP", async () => {
    expectNoPromtoolErrors(await promtoolCheck('# TYPE x untyped\nx{job="a"} 1\n'));
    const twice = await promtoolCheck('# HELP x X.\n# TYPE x gauge\nx{job="a"} 1\nx{job="a"} 2\n');
    expect(() => expectNoPromtoolErrors(twice)).toThrow(/not unique/);
    const broken = await promtoolCheck("x{job= 1\n");
    expect(broken.code).toBe(1);
    expect(() => expectNoPromtoolErrors(broken)).toThrow();
  });
});
