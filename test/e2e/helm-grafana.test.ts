import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BACKUP_METRICS, QUEUE_JOBS_METRIC } from "@kubedump/metrics";
import { load } from "js-yaml";
import { Registry } from "prom-client";
import { describe, expect, inject, it } from "vitest";
import { createRecorderMetrics } from "../../services/recorder/src/metrics.js";
import type { Obj } from "./harness.js";

// deploy/grafana: the dashboard and the alert examples query the metrics kubedump really exports.
// (The labels they select by are checked against a live gateway in rbac.test.ts.)
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const DIR = join(ROOT, "deploy/grafana");
const dashboard = JSON.parse(readFileSync(join(DIR, "kubedump-dashboard.json"), "utf8")) as Obj;
const rules = load(readFileSync(join(DIR, "prometheus-rules.yaml"), "utf8")) as Obj;
const run = promisify(execFile);

const BACKUP_NAMES = Object.values(BACKUP_METRICS).map((m) => m.name);
// The recorder's own series (its /metrics), which the continuous-capture alerts read.
const RECORDER_NAMES = Object.values(createRecorderMetrics(new Registry(), () => [])).map(
  (m) => (m as unknown as { name: string }).name,
);
// prom-client's default metrics, served by every service's /metrics.
const PROCESS_NAMES = ["process_resident_memory_bytes", "nodejs_eventloop_lag_p99_seconds"];
const panels = (dashboard.panels as Obj[]).filter((p) => p.type !== "row");
const exprs = panels.flatMap((p) => (p.targets as Obj[]).map((t) => t.expr as string));
const ruleList = (rules.spec.groups as Obj[]).flatMap((g) => g.rules as Obj[]);
const recorded = ruleList.filter((r) => r.record).map((r) => r.record as string);
const metricsIn = (expr: string) =>
  [...expr.matchAll(/\b((?:kubedump|process|nodejs)_[a-z0-9_]+|kubedump:[a-z0-9_:]+)\b/g)].map((m) => m[1]!);

describe("the Grafana dashboard", () => {
  it("shows backup success, duration, objects, sizes, repository size and snapshots, and queue depths", () => {
    const used = new Set(exprs.flatMap(metricsIn));
    for (const name of [...BACKUP_NAMES, QUEUE_JOBS_METRIC]) expect(used, name).toContain(name);
    expect([...used].filter((n) => ![...BACKUP_NAMES, QUEUE_JOBS_METRIC, ...PROCESS_NAMES].includes(n))).toEqual([]);
  });

  it("is importable: unique panel ids, laid out, every query on the chosen Prometheus data source", () => {
    expect(dashboard).toMatchObject({ title: "kubedump", uid: "kubedump-overview" });
    const ids = (dashboard.panels as Obj[]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels as Obj[]) {
      expect(p.gridPos, p.title).toMatchObject({
        x: expect.any(Number),
        y: expect.any(Number),
        w: expect.any(Number),
        h: expect.any(Number),
      });
    }
    for (const p of panels) {
      expect(p.description, p.title).toBeTruthy();
      for (const t of p.targets as Obj[]) {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template literal
        expect(t.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      }
    }
    const variables = (dashboard.templating.list as Obj[]).map((v) => v.name);
    expect(variables).toEqual(["datasource", "namespace", "configuration"]);
    for (const e of exprs) for (const v of e.matchAll(/\$(\w+)/g)) expect(variables, e).toContain(v[1]);
  });
});

describe("the PrometheusRule examples", () => {
  it("alert on a failed backup and on no success within twice the schedule interval", () => {
    expect(rules).toMatchObject({ apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule" });
    const alerts = ruleList.filter((r) => r.alert);
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining(["KubedumpBackupFailed", "KubedumpBackupOverdue"]),
    );
    expect(alerts.find((a) => a.alert === "KubedumpBackupFailed")?.expr).toMatch(
      /kubedump_backup_session_success\) == 0/,
    );
    expect(alerts.find((a) => a.alert === "KubedumpBackupOverdue")?.expr).toMatch(
      /> 2 \* quantile_over_time\(0\.5, kubedump:backup_success_interval_seconds/,
    );
    for (const a of alerts) expect(a.annotations.summary, a.alert).toBeTruthy();
  });

  it("query only metrics kubedump exports or rules record", () => {
    expect(RECORDER_NAMES).toContain("kubedump_recorder_lag_seconds");
    const known = [...BACKUP_NAMES, QUEUE_JOBS_METRIC, ...RECORDER_NAMES, ...recorded];
    for (const r of ruleList)
      for (const m of metricsIn(r.expr)) expect(known, `${r.alert ?? r.record}: ${m}`).toContain(m);
  });

  // promtool (Prometheus's rule checker) is built by the test environment like the other servers.
  it("pass promtool check rules and promtool test rules (prometheus-rules.test.yaml)", async () => {
    const { promtool } = inject("testenv");
    const dir = mkdtempSync(join(tmpdir(), "kubedump-rules-"));
    writeFileSync(join(dir, "kubedump-rules.yaml"), JSON.stringify({ groups: rules.spec.groups }));
    copyFileSync(join(DIR, "prometheus-rules.test.yaml"), join(dir, "prometheus-rules.test.yaml"));
    expect((await run(promtool, ["check", "rules", join(dir, "kubedump-rules.yaml")])).stdout).toContain(
      `SUCCESS: ${ruleList.length} rules found`,
    );
    expect((await run(promtool, ["test", "rules", "prometheus-rules.test.yaml"], { cwd: dir })).stdout).toMatch(
      /SUCCESS/,
    );
  });
});
