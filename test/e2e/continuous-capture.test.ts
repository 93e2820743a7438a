// Issue 22's end to end: two recorder processes (leader and standby) record a Continuous
// BackupConfiguration's namespace while a churn generator creates, updates and deletes ConfigMaps
// and, from a CRD made mid-run, Widgets; the leader is SIGKILLed mid-run and the standby takes
// over. Then `kubedump restore --at T`, for checkpoints before the kill and after the takeover,
// into empty namespaces gives back exactly the objects the generator recorded for T.
import { join } from "node:path";
import { runLogDir } from "@kubedump/testenv";
import { load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubedump } from "../../packages/cli/src/test-support.js";
import { type Checkpoint, Churn, churnMismatches } from "../../services/recorder/src/test-churn.js";
import {
  createContinuousConfig,
  namespaceJournal,
  recorderEnv,
  recordingSince,
} from "../../services/recorder/src/test-support.js";
import { getObj, type Obj, type ServiceProcess, startService, stopService, waitFor } from "./harness.js";
import { testNamespace } from "./test-namespace.js";

const t = inject("testenv");

/** What a restore must give back of one object: its kind's content and its labels. */
const contentOf = (o: Obj) =>
  JSON.stringify({ data: o.data ?? null, spec: o.spec ?? null, labels: o.metadata?.labels ?? {} });

describe("continuous capture end to end: a SIGKILLed recorder, then restore --at", () => {
  const space = testNamespace(t, "continuous-e2e");
  const logDir = join(runLogDir(t), "continuous-e2e");
  const processes: ServiceProcess[] = [];
  const start = (identity: string) => {
    const p = startService(
      "recorder",
      recorderEnv(t, space.ns, { POD_NAME: identity, LOG_LEVEL: "info" }),
      logDir,
      identity,
    );
    processes.push(p);
    return p;
  };
  const churn = new Churn(t, space.ns, 31);
  let killed = 0;
  let takenOver = 0;

  beforeAll(async () => {
    await space.setup({ format: 2 });
    await createContinuousConfig(space);
    // The anchor: a snapshot of the configuration's scope (the namespace, no task params), taken
    // before the recorder starts, as a scheduled one would be.
    const anchor = await kubedump(["backup", "--from-repository", `${space.ns}/repo`, "--namespace", space.ns], {
      KUBECONFIG: t.kubeconfig,
    });
    expect(anchor.code, anchor.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const p of processes) await stopService(p);
  });

  it("records every change across the takeover", async () => {
    const leader = start("recorder-a");
    await waitFor("recorder-a recording", async () => recordingSince(leader, "restart") || undefined, 60_000, 200);
    const standby = start("recorder-b");
    for (let batch = 0; batch < 3; batch++) {
      if (batch === 1) await churn.addCrd();
      await churn.batch(10);
      await churn.checkpoint(600);
    }
    await churn.batch(8);
    leader.child.kill("SIGKILL");
    killed = Date.now();
    await churn.batch(8); // seen by nobody until the standby relists
    await waitFor("recorder-b taking over", async () => recordingSince(standby, "takeover") || undefined, 60_000, 200);
    takenOver = Date.now();
    for (let batch = 0; batch < 2; batch++) {
      await churn.batch(10);
      await churn.checkpoint(600);
    }
    expect(await churnMismatches(namespaceJournal(space), churn)).toEqual([]);
  });

  it("restores the state at checkpoints before the kill and after the takeover into empty namespaces", async () => {
    const reader = namespaceJournal(space);
    const chosen = [churn.checkpoints[0], churn.checkpoints[2], churn.checkpoints.at(-1)] as Checkpoint[];
    expect(chosen[1]?.time).toBeLessThan(killed);
    expect(chosen[2]?.time).toBeGreaterThan(takenOver);
    for (const [i, checkpoint] of chosen.entries()) {
      const to = `${space.ns}-at${i}`;
      const at = new Date(checkpoint.time).toISOString();
      const run = await kubedump(
        ["restore", "--at", at, "--from-repository", `${space.ns}/repo`, "--namespace-mappings", `${space.ns}:${to}`],
        { KUBECONFIG: t.kubeconfig },
      );
      expect(run.code, run.stderr).toBe(0);
      const expected = new Map<string, string>();
      for (const [key, blob] of checkpoint.blobs)
        expected.set(key, contentOf(load((await reader.readBlob(blob)).toString("utf8")) as Obj));
      const restored = new Map<string, string>();
      for (const { path } of churn.collections()) {
        const list = await getObj(t, path.replace(`/namespaces/${space.ns}/`, `/namespaces/${to}/`));
        for (const item of (list?.items ?? []) as Obj[])
          restored.set(`${path.split("/").at(-1)}/${item.metadata.name}`, contentOf(item));
      }
      expect([...restored].sort(), `restore --at ${at}`).toEqual([...expected].sort());
      expect(expected.size).toBeGreaterThan(0);
    }
  });
});
