import { createKubeClient, isConflict, type KubeObject } from "@kubedump/kube";
import { createLogger } from "@kubedump/service";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ensureNamespace } from "../../../packages/kube/src/test-support.js";
import { crUrl, getObj, installCrds } from "../../../test/e2e/harness.js";
import { writeStatus } from "./status-writer.js";

const t = inject("testenv");
const NS = "watcher-status";
const client = createKubeClient({ kubeconfig: t.kubeconfig });
const deps = { client, log: createLogger("status-test", "silent") };
const path = crUrl("repositories", NS, "r");
const update = {
  phase: "Ready",
  conditions: [{ type: "SecretFound", status: "True", reason: "SecretFound", message: "ok" } as const],
  ready: true,
};

beforeAll(async () => {
  await installCrds(t);
  await ensureNamespace(t, NS);
  await kubeHttp(t, crUrl("repositories", NS), {
    body: {
      apiVersion: "kubedump.io/v1alpha1",
      kind: "Repository",
      metadata: { name: "r" },
      spec: { backend: { local: { path: "/b" } } },
    },
  });
});

afterAll(() => client.close());

describe("writeStatus", () => {
  it("writes phase, conditions and Ready stamped with the generation, then leaves an unchanged status alone", async () => {
    const obj = (await getObj(t, path)) as KubeObject;
    expect(await writeStatus(deps, "Repository", obj, update)).toBe(true);
    const written = (await getObj(t, path)) as KubeObject;
    expect(written.status).toMatchObject({
      phase: "Ready",
      observedGeneration: 1,
      conditions: [
        { type: "SecretFound", status: "True", observedGeneration: 1 },
        { type: "Ready", status: "True", reason: "AllConditionsTrue", observedGeneration: 1 },
      ],
    });
    expect(await writeStatus(deps, "Repository", written, update)).toBe(false);
    expect(((await getObj(t, path)) as KubeObject).metadata.resourceVersion).toBe(written.metadata.resourceVersion);
  });

  it("never overwrites a status that changed since the object was read: the write fails with a conflict", async () => {
    const stale = (await getObj(t, path)) as KubeObject;
    const other = {
      type: "Scheduled",
      status: "False",
      reason: "Paused",
      message: "x",
      lastTransitionTime: "2026-11-26T02:00:00Z",
    };
    await kubeHttp(t, `${path}/status`, {
      method: "PATCH",
      body: { status: { conditions: [...((stale.status as { conditions: object[] }).conditions ?? []), other] } },
      contentType: "application/merge-patch+json",
    });
    const err = await writeStatus(deps, "Repository", stale, { ...update, phase: "NotReady" }).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    const now = (await getObj(t, path)) as KubeObject;
    expect(now.status).toMatchObject({ phase: "Ready" });
    expect((now.status as { conditions: { type: string }[] }).conditions.map((c) => c.type)).toContain("Scheduled");
  });
});
