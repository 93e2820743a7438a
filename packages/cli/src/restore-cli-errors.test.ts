import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { reportTotals, restoreFixture } from "./restore-fixture.js";

const { suffix, src, state, kubectl, cli, restore, exists, setUp } = restoreFixture(inject("testenv"), "rclie");
const policy = `rclie-reject-${suffix}`;

/** The packs of a format-2 repository (the fixture's backup made one: the default format). */
function packsUnder(root: string): string[] {
  return readdirSync(join(root, "data"), { recursive: true, encoding: "utf8" })
    .filter((f) => /^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(f))
    .map((f) => join(root, "data", f));
}

beforeAll(setUp);

afterAll(async () => {
  await kubectl(["delete", "validatingadmissionpolicy,validatingadmissionpolicybinding", policy, "--ignore-not-found"]);
});

describe("kubedump restore: exit codes", () => {
  it("a corrupted pack: exit 5 and nothing written", async () => {
    const damaged = join(state.dir, "damaged");
    cpSync(state.repo, damaged, { recursive: true });
    const [part] = packsUnder(damaged);
    const bytes = readFileSync(part!);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(part!, bytes);
    const to = `rclie-corrupt-${suffix}`;
    const run = await cli(["restore", state.id, "--repo", damaged, "--namespace-mappings", `${src}:${to}`]);
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toMatch(/damaged or forged, nothing was restored: .*data\/[0-9a-f]{2}\/[0-9a-f]{64}/);
    expect(await exists(["namespace", to])).toBe(false);
  });

  it("a snapshot id the repository does not have: exit 4", async () => {
    const forged = "20990101T000000Z-deadbeef";
    const run = await cli(["restore", forged, "--repo", state.repo]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toContain(forged);
  });

  it.each([
    [["--restore-status", "Widgets"], "--restore-status"],
    [["--restore-status", "nosuchthings.example.com"], "--restore-status"],
    [["--include-resources", "nosuchthings"], "--include-resources"],
    [["--existing-resource-policy", "merge"], "--existing-resource-policy"],
    [["--namespace-mappings", "a:b,a:c"], "--namespace-mappings"],
    [["--selector", "a in"], "--selector"],
    [["--qps", "fast"], "--qps"],
    [["-o", "yaml"], "--output"],
  ])("bad input %j: exit 2 naming the flag, nothing written", async (args, flag) => {
    const to = `rclie-bad-${suffix}`;
    const run = await cli(["restore", state.id, "--repo", state.repo, "--namespace-mappings", `${src}:${to}`, ...args]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(flag);
    expect(await exists(["namespace", to])).toBe(false);
  });

  it("an object the API server rejects: exit 1 naming it, the rest restored", async () => {
    const to = `rclie-rejected-${suffix}`;
    await kubectl(["apply", "-f", "-"], rejectPolicy(to));
    await waitUntilDenied();
    const run = await restore(to);
    expect(run.code, run.stderr).toBe(1);
    expect(reportTotals(run.stdout)).toMatchObject({ created: 6, failed: 1 });
    expect(run.stdout).toMatch(new RegExp(`Failed \\(1\\):\\n  configmaps ${to}/reject-me: .*rejected by the test`));
    expect(run.stderr).toContain(`1 object failed to restore: configmaps ${to}/reject-me`);
    expect(await exists(["configmap", "settings", "-n", to])).toBe(true);
  });
});

/** A ValidatingAdmissionPolicy that denies ConfigMaps named reject-me in namespace `ns` (and the source's, to probe). */
function rejectPolicy(ns: string): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ${policy}}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [configmaps]}]
  matchConditions: [{name: in-ns, expression: "object.metadata.namespace in ['${ns}', '${src}']"}]
  validations: [{expression: "object.metadata.name != 'reject-me'", message: "rejected by the test"}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: ${policy}}
spec: {policyName: ${policy}, validationActions: [Deny]}
`;
}

/**
 * The policy is loaded a moment after it is created: probe with a dry-run create in the source
 * namespace (it exists, and admission comes before the name's conflict) until it denies.
 */
async function waitUntilDenied(): Promise<void> {
  const probe = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"reject-me","namespace":"${src}"}}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const denied = await kubectl(["create", "--dry-run=server", "-f", "-"], probe).then(
      () => false,
      (err: { stderr: string }) => err.stderr.includes("rejected by the test"),
    );
    if (denied) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the ValidatingAdmissionPolicy ${policy} never denied a probe`);
}
