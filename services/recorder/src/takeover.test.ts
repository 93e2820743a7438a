// Two recorder processes, leader and standby, on the test servers: the leader is SIGKILLed in the
// middle of a churn, the standby takes over, and the journal misses no change: its final state
// is the cluster's, every checkpoint before the kill reads back as the generator recorded it, and
// the takeover is a gap in the journal and in the status.
import { join } from "node:path";
import { runLogDir } from "@kubedump/testenv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ServiceProcess, startService, stopService, waitFor } from "../../../test/e2e/harness.js";
import { testNamespace } from "../../../test/e2e/test-namespace.js";
import { Churn, churnMismatches } from "./test-churn.js";
import { createContinuousConfig, namespaceJournal, recorderEnv, recordingSince } from "./test-support.js";

const t = inject("testenv");

describe("a recorder SIGKILLed mid-churn", () => {
  const space = testNamespace(t, "recorder-takeover");
  const logDir = join(runLogDir(t), "recorder-takeover");
  const processes: ServiceProcess[] = [];
  const start = (identity: string) => {
    const env = recorderEnv(t, space.ns, { POD_NAME: identity, LOG_LEVEL: "info" });
    const p = startService("recorder", env, logDir, identity);
    processes.push(p);
    return p;
  };

  beforeAll(async () => {
    await space.setup({ format: 2 });
    await createContinuousConfig(space);
  });
  afterAll(async () => {
    for (const p of processes) await stopService(p);
  });

  it("is followed by the standby, and no change is missing", async () => {
    const leader = start("recorder-a");
    await waitFor("recorder-a recording", async () => recordingSince(leader, "restart") || undefined, 60_000, 200);
    const standby = start("recorder-b");
    const churn = new Churn(t, space.ns, 7);
    for (let batch = 0; batch < 4; batch++) {
      await churn.batch(10);
      await churn.checkpoint(500);
    }
    await churn.batch(10); // the leader dies with these changes seen, perhaps not yet stored
    leader.child.kill("SIGKILL");
    const killed = Date.now();
    await churn.batch(10); // nobody records these until the standby takes over
    await waitFor("recorder-b taking over", async () => recordingSince(standby, "takeover") || undefined, 60_000, 200);
    for (let batch = 0; batch < 3; batch++) {
      await churn.batch(10);
      await churn.checkpoint(500);
    }
    const reader = namespaceJournal(space);
    expect(await churnMismatches(reader, churn)).toEqual([]);
    const { gaps } = await reader.slice({ from: killed - 60_000 });
    const takeover = gaps.find((g) => g.reason === "takeover");
    expect(takeover?.to).toBeGreaterThan(killed);
    const config = await space.get("backupconfigurations", "c");
    expect(config?.status?.recording?.lastGap?.reason).toBe("takeover");
  });
});
