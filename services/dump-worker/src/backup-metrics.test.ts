import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { testNamespace } from "../../../test/e2e/test-namespace.js";
import {
  arrangeBackup,
  makeRepositoryUnreachable,
  startGateway,
  startWorkerRig,
  waitForBackupMetrics,
  type WorkerRig,
} from "./test-support.js";

const space = testNamespace(inject("testenv"), `dwm-${Date.now().toString(36).slice(-6)}`);
let gateway: Awaited<ReturnType<typeof startGateway>>;
let rig: WorkerRig;

beforeAll(async () => {
  gateway = await startGateway(space.t, space.ns);
  await arrangeBackup(space);
  rig = await startWorkerRig(space.t, { queuePrefix: space.ns, gatewayUrl: gateway.url });
});
afterAll(async () => {
  await rig?.close();
  await gateway?.stop();
});

/** The configuration's metrics once kubedump_backup_session_success is `success`. */
const metricsWithSuccess = (success: 0 | 1) => waitForBackupMetrics(gateway.url, space.ns, "c", success);

describe("the metrics of a failed backup after a success, on the real metrics gateway", () => {
  it("are success=0 beside the success's last_success_time and other gauges, which stay", async () => {
    await rig.enqueue(await space.createSession("first", "c"));
    const first = await space.waitForSession("first");
    expect(first.status.phase).toBe("Succeeded");
    const before = await metricsWithSuccess(1);
    expect(before.kubedump_backup_last_success_time_seconds).toBeCloseTo(
      Date.parse(first.status.completionTime) / 1000,
      -1,
    );
    expect(before.kubedump_backup_objects_total).toBe(1);

    await makeRepositoryUnreachable(space.t, space.ns);
    await rig.enqueue(await space.createSession("second", "c"));
    expect((await space.waitForSession("second")).status.phase).toBe("Failed");

    const after = await metricsWithSuccess(0);
    expect(after).toEqual({ ...before, kubedump_backup_session_success: 0 });
  });
});
