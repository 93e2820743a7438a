import { kubeHttp } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createConfig,
  createSession,
  installCrds,
  setupRepository,
  waitFor,
  waitForSession,
} from "../../../test/e2e/harness.js";
import {
  backupMetrics,
  makeRepositoryUnreachable,
  startGateway,
  startWorkerRig,
  type WorkerRig,
} from "./test-support.js";

const t = inject("testenv");
const RUN = Date.now().toString(36).slice(-6);
const NS = `dwm-${RUN}`;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let rig: WorkerRig;

beforeAll(async () => {
  await installCrds(t);
  gateway = await startGateway(t, `dwm-${RUN}`);
  await setupRepository(t, NS, { prefix: `dwm-${RUN}` });
  await kubeHttp(t, `/api/v1/namespaces/${NS}/configmaps`, { body: { metadata: { name: "cm" }, data: { a: "1" } } });
  await createConfig(t, NS, "c", {
    schedule: "0 0 1 1 *",
    target: { ref: { apiVersion: "v1", kind: "ConfigMap", name: "cm", namespace: NS } },
  });
  rig = await startWorkerRig(t, { queuePrefix: `dwm-${RUN}`, gatewayUrl: gateway.url });
});
afterAll(async () => {
  await rig?.close();
  await gateway?.stop();
});

/** The configuration's metrics once kubedump_backup_session_success is `success`. */
const metricsWithSuccess = (success: number) =>
  waitFor(
    `kubedump_backup_session_success ${success} on the gateway`,
    async () => {
      const m = await backupMetrics(gateway.url, NS, "c");
      return m.kubedump_backup_session_success === success ? m : undefined;
    },
    20_000,
    200,
  );

describe("the metrics of a failed backup after a success, on the real metrics gateway", () => {
  it("are success=0 beside the success's last_success_time and other gauges, which stay", async () => {
    await rig.enqueue(await createSession(t, NS, "first", "c"));
    const first = await waitForSession(t, NS, "first");
    expect(first.status.phase).toBe("Succeeded");
    const before = await metricsWithSuccess(1);
    expect(before.kubedump_backup_last_success_time_seconds).toBeCloseTo(
      Date.parse(first.status.completionTime) / 1000,
      -1,
    );
    expect(before.kubedump_backup_objects_total).toBe(1);

    await makeRepositoryUnreachable(t, NS);
    await rig.enqueue(await createSession(t, NS, "second", "c"));
    expect((await waitForSession(t, NS, "second")).status.phase).toBe("Failed");

    const after = await metricsWithSuccess(0);
    expect(after).toEqual({ ...before, kubedump_backup_session_success: 0 });
  });
});
