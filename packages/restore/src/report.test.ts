import { describe, expect, it } from "vitest";
import { type ObjectOutcome, outcomeRecord, RestoreReport, renderReport } from "./report.js";

const entry = (type: string, name: string, rest: Partial<ObjectOutcome> = {}): ObjectOutcome =>
  ({ type, kind: "K", namespace: "prod", name, outcome: "created", ...rest }) as ObjectOutcome;

function sample(): RestoreReport {
  const report = new RestoreReport();
  report.add(entry("configmaps", "a"));
  report.add(entry("configmaps", "b", { outcome: "unchanged" }));
  report.add(
    entry("configmaps", "kube-root-ca.crt", { outcome: "skipped", reason: "the root CA publisher writes it" }),
  );
  report.add(entry("deployments.apps", "web", { outcome: "failed", reason: "admission webhook denied the request" }));
  report.add(entry("events", "e1", { outcome: "skipped", reason: "Events are history" }));
  report.add(entry("events", "e2", { outcome: "skipped", reason: "Events are history" }));
  report.add(entry("pods", "p", { outcome: "exists", notes: ["owner Widget w dropped"] }));
  report.add(entry("namespaces", "prod", { namespace: undefined, outcome: "updated" }));
  return report;
}

describe("RestoreReport", () => {
  it("counts per type and outcome", () => {
    const report = sample();
    expect(Object.fromEntries(report.byType())).toEqual({
      configmaps: { created: 1, updated: 0, unchanged: 1, exists: 0, skipped: 1, failed: 0 },
      "deployments.apps": { created: 0, updated: 0, unchanged: 0, exists: 0, skipped: 0, failed: 1 },
      events: { created: 0, updated: 0, unchanged: 0, exists: 0, skipped: 2, failed: 0 },
      namespaces: { created: 0, updated: 1, unchanged: 0, exists: 0, skipped: 0, failed: 0 },
      pods: { created: 0, updated: 0, unchanged: 0, exists: 1, skipped: 0, failed: 0 },
    });
    expect(report.totals()).toEqual({ created: 1, updated: 1, unchanged: 1, exists: 1, skipped: 3, failed: 1 });
  });

  it.each([
    ["failures", (r: RestoreReport) => r.failures(), ["web"]],
    ["skips", (r: RestoreReport) => r.skips(), ["kube-root-ca.crt", "e1", "e2"]],
    ["noted", (r: RestoreReport) => r.noted(), ["p"]],
  ])("lists %s by name", (_, list, names) => {
    expect(list(sample()).map((e) => e.name)).toEqual(names);
  });

  it("renders the table with aligned columns and the lists below it", () => {
    expect(renderReport(sample())).toBe(
      [
        "TYPE              CREATED  UPDATED  UNCHANGED  EXISTS  SKIPPED  FAILED",
        "configmaps              1        0          1       0        1       0",
        "deployments.apps        0        0          0       0        0       1",
        "events                  0        0          0       0        2       0",
        "namespaces              0        1          0       0        0       0",
        "pods                    0        0          0       1        0       0",
        "TOTAL                   1        1          1       1        3       1",
        "",
        "Failed (1):",
        "  deployments.apps prod/web: admission webhook denied the request",
        "",
        "Skipped (3):",
        "  the root CA publisher writes it:",
        "    configmaps prod/kube-root-ca.crt",
        "  Events are history:",
        "    events prod/e1",
        "    events prod/e2",
        "",
        "Notes:",
        "  pods prod/p: owner Widget w dropped",
      ].join("\n"),
    );
  });

  it("says so on a dry run and lists warnings", () => {
    const report = new RestoreReport({ dryRun: true });
    report.add(entry("namespaces", "prod", { namespace: undefined }));
    report.warnings.push("ownership cycle broken at configmaps x/a");
    expect(renderReport(report).split("\n")).toEqual([
      "Dry run: the API server checked every write and kept none.",
      "TYPE        CREATED  UPDATED  UNCHANGED  EXISTS  SKIPPED  FAILED",
      "namespaces        1        0          0       0        0       0",
      "TOTAL             1        0          0       0        0       0",
      "",
      "Warnings:",
      "  ownership cycle broken at configmaps x/a",
    ]);
  });

  it("renders an empty restore as a header and zero totals", () => {
    const lines = renderReport(new RestoreReport()).split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^TOTAL\s+0\s+0\s+0\s+0\s+0\s+0$/);
  });
});

describe("outcomeRecord", () => {
  it.each([
    [
      entry("configmaps", "a"),
      false,
      { type: "configmaps", kind: "K", namespace: "prod", name: "a", outcome: "created" },
    ],
    [
      entry("nodes", "n", { namespace: undefined, outcome: "skipped", reason: "machines" }),
      true,
      { type: "nodes", kind: "K", name: "n", outcome: "skipped", reason: "machines", dryRun: true },
    ],
    [
      entry("pods", "p", { outcome: "exists", notes: ["dropped"] }),
      false,
      { type: "pods", kind: "K", namespace: "prod", name: "p", outcome: "exists", notes: ["dropped"] },
    ],
  ])("%j", (e, dryRun, expected) => {
    const line = outcomeRecord(e, dryRun);
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual(expected);
  });
});
