import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { dump, load } from "js-yaml";
import { describe, expect, inject, it } from "vitest";
import { ROOT, render } from "./helm-chart.js";
import type { Obj } from "./harness.js";

// The chart's monitoring toggles: the PrometheusRule (deploy/grafana's alerts, each with a
// runbook_url into docs/troubleshooting.md, checked by promtool as rendered) and the Grafana
// dashboard ConfigMap for Grafana's sidecar. NetworkPolicies and KEDA: helm-network.test.ts.
const run = promisify(execFile);
const GRAFANA = join(ROOT, "deploy/grafana");
const source = load(readFileSync(join(GRAFANA, "prometheus-rules.yaml"), "utf8")) as Obj;
const RUNBOOK = "https://github.com/kubedump/kubedump/blob/main/docs/troubleshooting.md";

const ruleOf = async (args: string[]) => {
  const rules = (await render(["--set", "prometheusRule.enabled=true", ...args])).filter(
    (o) => o.kind === "PrometheusRule",
  );
  expect(rules).toHaveLength(1);
  return rules[0]!;
};
const rulesIn = (groups: Obj[]) => groups.flatMap((g) => g.rules as Obj[]);
/** The anchor GitHub gives a Markdown heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, "")
    .replace(/ /g, "-");

describe("prometheusRule.enabled", () => {
  it("is off by default, as is the dashboard", async () => {
    const objs = await render([]);
    expect(objs.filter((o) => o.kind === "PrometheusRule" || o.data?.["kubedump-dashboard.json"])).toEqual([]);
  });

  it("renders deploy/grafana's rules unchanged but for a runbook_url per alert and alertLabels", async () => {
    const rule = await ruleOf(["--set", "prometheusRule.alertLabels.team=platform"]);
    const expected = rulesIn(source.spec.groups).map((r) =>
      r.alert
        ? {
            ...r,
            labels: { ...r.labels, team: "platform" },
            annotations: { ...r.annotations, runbook_url: `${RUNBOOK}#${r.alert.toLowerCase()}` },
          }
        : r,
    );
    expect(rulesIn(rule.spec.groups)).toEqual(expected);
    expect(rule.spec.groups.map((g: Obj) => [g.name, g.interval])).toEqual(
      source.spec.groups.map((g: Obj) => [g.name, g.interval]),
    );
  });

  it("takes its namespace, the operator's selector labels and the runbook base from values", async () => {
    const rule = await ruleOf([
      "--set",
      "prometheusRule.namespace=monitoring,prometheusRule.labels.release=kps,prometheusRule.runbookBaseUrl=https://wiki.example.com/kd",
    ]);
    expect(rule.metadata.namespace).toBe("monitoring");
    expect(rule.metadata.labels).toMatchObject({ release: "kps", "app.kubernetes.io/instance": "kd" });
    for (const r of rulesIn(rule.spec.groups).filter((x) => x.alert))
      expect(r.annotations.runbook_url).toBe(`https://wiki.example.com/kd#${r.alert.toLowerCase()}`);
    // Nothing hard-coded: without labels in values, only the chart's own.
    const plain = await ruleOf([]);
    expect(
      Object.keys(plain.metadata.labels).filter((k) => !k.includes("kubernetes.io") && k !== "helm.sh/chart"),
    ).toEqual([]);
  });

  it("links every alert to a section of docs/troubleshooting.md that says what it means and what to do", async () => {
    const doc = readFileSync(join(ROOT, "docs/troubleshooting.md"), "utf8");
    const sections = new Map<string, string>();
    for (const part of doc.split(/^#{2,3} /m).slice(1)) {
      const [heading, ...body] = part.split("\n");
      sections.set(slug(heading!), body.join("\n"));
    }
    const alerts = rulesIn((await ruleOf([])).spec.groups).filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(4);
    for (const a of alerts) {
      const [base, anchor] = (a.annotations.runbook_url as string).split("#");
      expect(base).toBe(RUNBOOK);
      expect(sections.has(anchor!), `docs/troubleshooting.md#${anchor}`).toBe(true);
      expect(sections.get(anchor!)).toMatch(/\*\*What it means\.\*\*[\s\S]+\*\*What to do\.\*\*/);
    }
  });

  // promtool (Prometheus's rule checker), built by the test environment: the rules as the chart
  // renders them are valid, and fire as deploy/grafana/prometheus-rules.test.yaml expects, with
  // the chart's runbook_url among their annotations.
  it("passes promtool check rules and promtool test rules as rendered", async () => {
    const { promtool } = inject("testenv");
    const rule = await ruleOf([]);
    const dir = mkdtempSync(join(tmpdir(), "kubedump-chart-rules-"));
    writeFileSync(join(dir, "kubedump-rules.yaml"), JSON.stringify({ groups: rule.spec.groups }));
    const tests = load(readFileSync(join(GRAFANA, "prometheus-rules.test.yaml"), "utf8")) as Obj;
    let withAnnotations = 0;
    for (const t of tests.tests as Obj[])
      for (const a of (t.alert_rule_test ?? []) as Obj[])
        for (const e of (a.exp_alerts ?? []) as Obj[])
          if (e.exp_annotations) {
            e.exp_annotations.runbook_url = `${RUNBOOK}#${a.alertname.toLowerCase()}`;
            withAnnotations++;
          }
    expect(withAnnotations).toBeGreaterThan(0);
    writeFileSync(join(dir, "rules.test.yaml"), dump(tests));
    const count = rulesIn(rule.spec.groups).length;
    expect((await run(promtool, ["check", "rules", join(dir, "kubedump-rules.yaml")])).stdout).toContain(
      `SUCCESS: ${count} rules found`,
    );
    expect((await run(promtool, ["test", "rules", "rules.test.yaml"], { cwd: dir })).stdout).toMatch(/SUCCESS/);
  });
});

describe("dashboards.enabled", () => {
  it("renders deploy/grafana's dashboard in a ConfigMap with the label Grafana's sidecar looks for", async () => {
    const maps = (await render(["--set", "dashboards.enabled=true"])).filter(
      (o) => o.kind === "ConfigMap" && o.data?.["kubedump-dashboard.json"],
    );
    expect(maps).toHaveLength(1);
    expect(maps[0]!.metadata.labels.grafana_dashboard).toBe("1");
    expect(maps[0]!.metadata.namespace).toBe("helm-render");
    expect(maps[0]!.data["kubedump-dashboard.json"]).toBe(
      readFileSync(join(GRAFANA, "kubedump-dashboard.json"), "utf8"),
    );
  });

  it("takes its namespace, labels and annotations (the sidecar's folder) from values", async () => {
    const map = (
      await render([
        "--set",
        "dashboards.enabled=true,dashboards.namespace=grafana,dashboards.labels.grafana_dashboard=kubedump,dashboards.annotations.grafana_folder=Backups",
      ])
    ).find((o) => o.kind === "ConfigMap" && o.data?.["kubedump-dashboard.json"])!;
    expect(map.metadata).toMatchObject({
      namespace: "grafana",
      labels: { grafana_dashboard: "kubedump" },
      annotations: { grafana_folder: "Backups" },
    });
  });
});
