import { parseTextFormat } from "@kubedump/metrics";
import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createRestoreSession,
  getObj,
  type Obj,
  type Stack,
  startStack,
  waitFor,
  waitForRestoreSession,
} from "./harness.js";
import { testNamespace } from "./test-namespace.js";

// A RestoreSession through the four services as processes: a backup by the stack, then a
// RestoreSession that the watcher enqueues on kubedump-restores and a dump worker runs, writing
// the objects into a mapped namespace, the session's status and the restore metrics.
const e2e = testNamespace(inject("testenv"), "e2e-restore");
const { t, ns: NS } = e2e;
const COPY = "e2e-restore-copy";
let stack: Stack;

beforeAll(async () => {
  await e2e.setup();
  const body = { metadata: { name: "settings", labels: { app: "shop" } }, data: { currency: "€" } };
  expect((await kubeHttp(t, `/api/v1/namespaces/${NS}/configmaps`, { body })).status).toBe(201);
  await e2e.createConfig("c", {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "Namespace", name: NS } },
  });
  stack = await startStack(e2e);
});
afterAll(async () => {
  await stack?.stop();
});

describe("a RestoreSession through the four services", () => {
  it("is enqueued by the watcher and run by a dump worker: objects, status and metrics", {
    timeout: 180_000,
  }, async () => {
    await e2e.createSession("s1", "c");
    const backup = await e2e.waitForSession("s1");
    expect(backup.status.phase).toBe("Succeeded");

    await createRestoreSession(t, NS, "r1", {
      backupConfiguration: "c",
      includeResources: ["configmaps", "namespaces"],
      namespaceMappings: [{ from: NS, to: COPY }],
    });
    const done = await waitForRestoreSession(t, NS, "r1");
    expect(done.status).toMatchObject({
      phase: "Succeeded",
      snapshot: backup.status.snapshot.id,
      counts: { created: 2, failed: 0 },
    });
    expect(done.status.conditions.find((c: Obj) => c.type === "Restored")?.status).toBe("True");
    const copied = await getObj(t, `/api/v1/namespaces/${COPY}/configmaps/settings`);
    expect(copied?.data).toEqual({ currency: "€" });
    expect(copied?.metadata.labels).toEqual({ app: "shop" });

    const samples = await waitFor("the restore metrics", async () => {
      const text = await (await fetch(`${stack.gatewayUrl}/metrics`)).text();
      const found = parseTextFormat(text)
        .flatMap((f) => f.samples)
        .filter((s) => s.labels.namespace === NS && s.labels.restore_session === "r1");
      return found.length ? found : undefined;
    });
    const value = (name: string, outcome?: string) =>
      samples.find((s) => s.name === name && s.labels.outcome === outcome)?.value;
    expect(value("kubedump_restore_session_success")).toBe(1);
    expect(value("kubedump_restore_objects_total", "created")).toBe(2);
    expect(value("kubedump_restore_session_duration_seconds")).toBeGreaterThanOrEqual(0);
  });
});
