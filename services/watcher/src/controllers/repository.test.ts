import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { crUrl, setupRepository } from "../../../../test/e2e/harness.js";
import { conditionOf, startTestWatcher, type TestWatcher, waitForCondition } from "../test-support.js";

const t = inject("testenv");
const NS = "watcher-repository";
let watcher: TestWatcher;

/** `kubectl wait --for=condition=Ready` with the real kubectl: its exit code and what it printed. */
async function kubectlWait(what: string, timeout: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      t.kubectl,
      ["wait", "--for=condition=Ready", what, "-n", NS, `--timeout=${timeout}`],
      { env: { ...process.env, KUBECONFIG: t.kubeconfig } },
    );
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

async function createRepository(name: string, spec: object): Promise<void> {
  const res = await kubeHttp(t, crUrl("repositories", NS), {
    body: { apiVersion: "kubedump.io/v1alpha1", kind: "Repository", metadata: { name }, spec },
  });
  if (res.status !== 201) throw new Error(`creating Repository ${NS}/${name}: ${res.status} ${res.text}`);
}

const s3 = (prefix: string, endpoint = t.s3Endpoint) => ({
  s3: { endpoint, bucket: "kubedump-e2e", region: "us-east-1", prefix },
});

beforeAll(async () => {
  watcher = await startTestWatcher(t, NS, { retryBaseMs: 200 });
  await setupRepository(t, NS, { prefix: "watcher-repository" }); // Secret s3-secret and Repository repo
  await kubeHttp(t, `/api/v1/namespaces/${NS}/secrets`, {
    body: { metadata: { name: "keyless" }, stringData: { AWS_ACCESS_KEY_ID: t.accessKey } },
  });
});

afterAll(() => watcher.stop());

describe("the Repository controller", () => {
  it("makes a Repository whose backend answers Ready, for the generation it looked at; kubectl wait returns 0", async () => {
    const repo = await waitForCondition(t, crUrl("repositories", NS, "repo"), "Ready", "True");
    expect(repo.status).toMatchObject({ phase: "Ready", observedGeneration: 1 });
    expect(conditionOf(repo, "Ready")).toMatchObject({
      reason: "AllConditionsTrue",
      message: "SecretFound, BackendReachable: True",
      observedGeneration: 1,
    });
    for (const type of ["SecretFound", "BackendReachable"])
      expect(conditionOf(repo, type), type).toMatchObject({ status: "True", observedGeneration: 1 });
    expect(await kubectlWait("repository/repo", "60s")).toMatchObject({ code: 0 });
  });

  it.each([
    {
      row: "its Secret missing",
      name: "no-secret",
      spec: { backend: s3("x"), storageSecretName: "nope" },
      reason: "SecretNotFound",
      message: `spec.storageSecretName: Secret ${NS}/nope not found`,
    },
    {
      row: "a key missing from its Secret",
      name: "no-key",
      spec: { backend: s3("x"), storageSecretName: "keyless" },
      reason: "SecretKeyMissing",
      message: `spec.storageSecretName: Secret ${NS}/keyless has no AWS_SECRET_ACCESS_KEY`,
    },
    {
      row: "its backend not answering (retried with backoff)",
      name: "unreachable",
      spec: { backend: s3("x", "127.0.0.1:9"), storageSecretName: "s3-secret" },
      reason: "BackendUnreachable",
      message: undefined,
    },
  ])("writes Ready False with the reason of the failing condition: $row", async ({ name, spec, reason, message }) => {
    await createRepository(name, spec);
    const repo = await waitForCondition(t, crUrl("repositories", NS, name), "Ready", "False");
    expect(repo.status).toMatchObject({ phase: "NotReady", observedGeneration: 1 });
    const ready = conditionOf(repo, "Ready");
    expect(ready).toMatchObject({ reason, observedGeneration: 1 });
    if (message) expect(ready?.message).toBe(message);
    const failing = repo.status.conditions.find((c: { status: string }) => c.status === "False");
    expect(ready?.message).toBe(failing.message);
  });

  it("kubectl wait times out on a Repository that is not Ready", async () => {
    await waitForCondition(t, crUrl("repositories", NS, "no-secret"), "Ready", "False");
    const waited = await kubectlWait("repository/no-secret", "3s");
    expect(waited.code).not.toBe(0);
    expect(waited.output).toContain("timed out");
  });

  it("observes a new generation: status and conditions move to it, and a fixed spec turns Ready", async () => {
    await createRepository("moved", { backend: s3("x"), storageSecretName: "keyless" });
    await waitForCondition(t, crUrl("repositories", NS, "moved"), "Ready", "False");
    await kubeHttp(t, crUrl("repositories", NS, "moved"), {
      method: "PATCH",
      body: { spec: { backend: s3("watcher-moved"), storageSecretName: "s3-secret" } },
      contentType: "application/merge-patch+json",
    });
    const repo = await waitForCondition(t, crUrl("repositories", NS, "moved"), "Ready", "True");
    expect(repo.metadata.generation).toBe(2);
    expect(repo.status.observedGeneration).toBe(2);
    expect(repo.status.conditions.map((c: { observedGeneration: number }) => c.observedGeneration)).toEqual([2, 2, 2]);
    expect(await kubectlWait("repository/moved", "30s")).toMatchObject({ code: 0 });
  });
});
