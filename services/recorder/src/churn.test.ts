// A churn generator changes ConfigMaps, then Widgets of a CRD made mid-run, at known times; the
// journal's state at each checkpoint equals what the generator read back from the API server.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { testNamespace } from "../../../test/e2e/test-namespace.js";
import type { RecorderApp } from "./app.js";
import { Churn, churnMismatches } from "./test-churn.js";
import { createContinuousConfig, namespaceJournal, startTestRecorder } from "./test-support.js";

const t = inject("testenv");

describe("the recorder under churn", () => {
  const space = testNamespace(t, "recorder-churn");
  let app: RecorderApp | undefined;

  beforeAll(async () => {
    await space.setup({ format: 2 });
    await createContinuousConfig(space);
    app = await startTestRecorder(t, space.ns);
    await space.waitForCondition("backupconfigurations", "c", "Recording", "True");
  });
  afterAll(() => app?.close());

  it("gives the state the generator recorded at each of several times", async () => {
    const churn = new Churn(t, space.ns, 22);
    for (let batch = 0; batch < 8; batch++) {
      if (batch === 3) {
        await churn.addCrd();
        await new Promise((resolve) => setTimeout(resolve, 2500)); // discovery runs every second
      }
      await churn.batch(12);
      await churn.checkpoint(500);
    }
    const reader = namespaceJournal(space);
    expect(await churnMismatches(reader, churn)).toEqual([]);
    expect((await reader.slice()).gaps).toEqual([]);
    expect(
      churn.checkpoints.filter((c) => [...c.blobs.keys()].some((k) => k.startsWith("widgets/"))).length,
    ).toBeGreaterThan(2);
    expect(churn.ops).toBe(96);
  });
});
