import { beforeAll, describe, expect, inject, it } from "vitest";
import { reportTotals, restoreFixture } from "./restore-fixture.js";

const { suffix, kubectl, restore, exists, setUp } = restoreFixture(inject("testenv"), "rcli");

beforeAll(setUp);

describe("kubedump restore", () => {
  const to = `rcli-copy-${suffix}`;

  it("restores a namespace into another: the report counts each type, the references move", async () => {
    const run = await restore(to);
    expect(run.code, run.stderr).toBe(0);
    expect(reportTotals(run.stdout)).toEqual({
      created: 7,
      updated: 0,
      unchanged: 0,
      exists: 0,
      skipped: 0,
      failed: 0,
    });
    expect(run.stdout).toMatch(/^rolebindings\.rbac\.authorization\.k8s\.io\s+1\s+0\s+0\s+0\s+0\s+0$/m);
    expect(run.stdout).toMatch(/^configmaps\s+2\s+0\s+0\s+0\s+0\s+0$/m);
    const { stdout } = await kubectl(["get", "rolebinding", "robot-reads", "-n", to, "-o", "json"]);
    expect(JSON.parse(stdout).subjects).toEqual([{ kind: "ServiceAccount", name: "robot", namespace: to }]);
    const secret = await kubectl(["get", "secret", "token", "-n", to, "-o", "jsonpath={.data.password}"]);
    expect(Buffer.from(secret.stdout, "base64").toString()).toBe("hunter2");
  });

  it("a second restore creates nothing: each object exists or is unchanged", async () => {
    const { stdout: before } = await kubectl(["get", "configmap", "settings", "-n", to, "-o", "json"]);
    const run = await restore(to);
    expect(run.code, run.stderr).toBe(0);
    const totals = reportTotals(run.stdout);
    expect(totals).toMatchObject({ created: 0, updated: 0, failed: 0, skipped: 0 });
    expect(totals.unchanged! + totals.exists!).toBe(7);
    expect(totals.unchanged).toBeGreaterThan(0);
    const { stdout: after } = await kubectl(["get", "configmap", "settings", "-n", to, "-o", "json"]);
    expect(JSON.parse(after).metadata.resourceVersion).toBe(JSON.parse(before).metadata.resourceVersion);
  });

  it("-o json writes one record per object and nothing else on stdout", async () => {
    const json = `rcli-json-${suffix}`;
    const run = await restore(json, "-o", "json");
    expect(run.code, run.stderr).toBe(0);
    const records = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records).toHaveLength(7);
    expect(records).toContainEqual({
      type: "configmaps",
      kind: "ConfigMap",
      namespace: json,
      name: "settings",
      outcome: "created",
    });
    expect(records).toContainEqual({ type: "namespaces", kind: "Namespace", name: json, outcome: "created" });
    expect(new Set(records.map((r) => r.outcome))).toEqual(new Set(["created"]));
    expect(run.stderr).toContain("7 created");
  });

  it("--dry-run reports the same and creates nothing", async () => {
    const dry = `rcli-dry-${suffix}`;
    const run = await restore(dry, "--dry-run");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Dry run");
    expect(reportTotals(run.stdout)).toMatchObject({ created: 7, failed: 0 });
    expect(await exists(["namespace", dry])).toBe(false);
  });

  it("--existing-resource-policy update makes a changed object equal again, reported updated", async () => {
    await kubectl([
      "patch",
      "configmap",
      "settings",
      "-n",
      to,
      "--type=merge",
      "-p",
      '{"data":{"greeting":"changed"}}',
    ]);
    const run = await restore(to, "--existing-resource-policy", "update", "--include-resources", "configmaps");
    expect(run.code, run.stderr).toBe(0);
    expect(reportTotals(run.stdout)).toMatchObject({ created: 0, updated: 1, unchanged: 1, failed: 0 });
    const { stdout } = await kubectl(["get", "configmap", "settings", "-n", to, "-o", "jsonpath={.data.greeting}"]);
    expect(stdout).toBe("grüß dich");
  });
});
