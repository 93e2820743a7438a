import { describe, expect, it } from "vitest";
import { VERSIONS } from "./binaries.js";
import { startPushgateway } from "./servers/pushgateway.js";

describe("startPushgateway", () => {
  it("starts the pinned Pushgateway, which takes a push, serves it and wipes it", async () => {
    const started = Date.now();
    const pg = await startPushgateway();
    try {
      expect(Date.now() - started).toBeLessThan(10_000);
      const status = (await (await fetch(`${pg.url}/api/v1/status`)).json()) as {
        data: { build_information: { version: string } };
      };
      expect(`v${status.data.build_information.version}`).toBe(VERSIONS.pushgateway);
      const push = await fetch(`${pg.url}/metrics/job/probe`, { method: "PUT", body: "probe_value 42\n" });
      expect(push.status).toBe(200);
      expect(await (await fetch(`${pg.url}/metrics`)).text()).toContain('probe_value{instance="",job="probe"} 42');
      expect((await fetch(`${pg.url}/api/v1/admin/wipe`, { method: "PUT" })).status).toBe(202);
    } finally {
      await pg.stop();
    }
    expect(pg.process.exited()).toBe(true);
    expect(await fetch(`${pg.url}/-/ready`).catch(() => "refused")).toBe("refused");
  });
});
